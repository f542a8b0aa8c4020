using Konnect.Controller.Translation.Routes;

namespace Konnect.Controller.Tests.Translation.Routes;

/// <summary>Keeping last pass's order and merging the changed owners in must give exactly a full sort.</summary>
public sealed class OrderUpdateTests
{
    private sealed class Owner(int[] values)
    {
        private static int _made;
        public int Id { get; } = Interlocked.Increment(ref _made);
        public int[] Values { get; } = values;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Sort_AfterOwnersAddedAndRemoved_SameAsFullSort(int seed)
    {
        var random = new Random(seed);
        Owner NewOwner() => new([.. Enumerable.Range(0, random.Next(0, 4)).Select(_ => random.Next(0, 50))]);
        var owners = Enumerable.Range(0, 200).Select(_ => NewOwner()).ToList();
        var previous = OrderUpdate.Sort(null, owners, Item.OwnerOf, Item.Of, Item.Compare);
        Assert.Equal(FullSort(owners), previous);

        // Drop some owners, replace some with new instances (their old items must go), add new ones.
        var next = owners.Where(_ => random.Next(0, 5) > 0).Select(o => random.Next(0, 10) == 0 ? NewOwner() : o).Concat(Enumerable.Range(0, 20).Select(_ => NewOwner())).ToList();

        Assert.Equal(FullSort(next), OrderUpdate.Sort(previous, next, Item.OwnerOf, Item.Of, Item.Compare));
    }

    [Fact]
    public void Sort_PreviousFromOtherOwners_SameAsFullSort()
    {
        var unrelated = OrderUpdate.Sort(null, [new Owner([5, 1]), new Owner([3])], Item.OwnerOf, Item.Of, Item.Compare);
        Owner[] owners = [new([9, 2]), new([4]), new([])];

        Assert.Equal(FullSort(owners), OrderUpdate.Sort(unrelated, owners, Item.OwnerOf, Item.Of, Item.Compare));
    }

    private static List<Item> FullSort(IReadOnlyList<Owner> owners)
    {
        var all = owners.SelectMany(Item.Of).ToList();
        all.Sort(Item.Compare);
        return all;
    }

    // A strict total order: value, then the order the owners were made in, then the item's index.
    private sealed record Item(Owner Owner, int Index, int Value)
    {
        public static Owner OwnerOf(Item item) => item.Owner;
        public static IEnumerable<Item> Of(Owner owner) => owner.Values.Select((v, i) => new Item(owner, i, v));

        public static int Compare(Item a, Item b)
        {
            int c;
            if ((c = a.Value.CompareTo(b.Value)) != 0) { return c; }
            if ((c = a.Owner.Id.CompareTo(b.Owner.Id)) != 0) { return c; }
            return a.Index.CompareTo(b.Index);
        }
    }
}
