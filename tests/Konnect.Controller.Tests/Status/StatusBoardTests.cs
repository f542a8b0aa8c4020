using Konnect.Api.Kubernetes;
using Konnect.Controller.Status;
using Konnect.Model;
using Microsoft.Extensions.Logging;

namespace Konnect.Controller.Tests.Status;

public sealed class StatusBoardTests
{
    [Fact]
    public async Task ReportAsync_ManyObjectsReadyAtOnce_OneSummaryLineAtInformation_EachAtDebug()
    {
        var logger = new ListLogger();
        var board = new StatusBoard(logger);
        var routes = Enumerable.Range(0, 500).Select(i => Ready($"r{i}")).ToList();

        await board.ReportAsync(routes, CancellationToken.None);

        var information = logger.Lines.Where(l => l.Level == LogLevel.Information).Select(l => l.Text).ToList();
        Assert.Equal(["500 objects accepted and programmed (each logged at Debug)"], information);
        Assert.Equal(500, logger.Lines.Count(l => l.Level == LogLevel.Debug && l.Text.EndsWith(": accepted and programmed", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ReportAsync_FewChanges_ALineEachAtInformation_AndRefusalsAlwaysEachAtWarning()
    {
        var logger = new ListLogger();
        var board = new StatusBoard(logger);
        var routes = Enumerable.Range(0, 500).Select(i => Ready($"r{i}")).ToList();
        await board.ReportAsync(routes, CancellationToken.None);
        logger.Lines.Clear();

        // One route refused, one removed, one added: three lines, each naming its object.
        routes[0] = routes[0] with { Conditions = [new Condition { Type = "Accepted", Status = "False", Reason = "Invalid", Message = "bad path" }] };
        routes.RemoveAt(1);
        routes.Add(Ready("new"));
        await board.ReportAsync(routes, CancellationToken.None);

        Assert.Equal(
            [(LogLevel.Warning, "KonnectRoute default/r0: Accepted=False (Invalid): bad path"), (LogLevel.Information, "KonnectRoute default/new: accepted and programmed"), (LogLevel.Information, "KonnectRoute default/r1: removed")],
            logger.Lines.Select(l => (l.Level, l.Text)));
    }

    [Fact]
    public async Task ReportAsync_SameObjectsInTheSameOrder_OnlyChangedContentLogged_EqualStatusesBuiltAgainNot()
    {
        var logger = new ListLogger();
        var board = new StatusBoard(logger);
        var routes = Enumerable.Range(0, 50).Select(i => Ready($"r{i}")).ToList();
        await board.ReportAsync(routes, CancellationToken.None);
        logger.Lines.Clear();

        // The next pass hands back the same instances but for two: one built again alike, one refused.
        var next = routes.ToList();
        next[3] = Ready("r3");
        next[7] = next[7] with { Conditions = [new Condition { Type = "Accepted", Status = "False", Reason = "Invalid", Message = "bad host" }] };
        await board.ReportAsync(next, CancellationToken.None);

        Assert.Equal([(LogLevel.Warning, "KonnectRoute default/r7: Accepted=False (Invalid): bad host")], logger.Lines.Select(l => (l.Level, l.Text)));
        Assert.Equal(next.OrderBy(s => s.Object).Select(s => s.Conditions[0].Status), board.Current.Select(s => s.Conditions[0].Status));
    }

    [Fact]
    public async Task ReportAsync_OneObjectReplacedByAnotherAtItsPlace_OneRemovedOneAccepted()
    {
        var logger = new ListLogger();
        var board = new StatusBoard(logger);
        var routes = Enumerable.Range(0, 50).Select(i => Ready($"r{i}")).ToList();
        await board.ReportAsync(routes, CancellationToken.None);
        logger.Lines.Clear();

        // Same length, one position holds another object: the side-by-side walk must not take it for a change of r5.
        routes[5] = Ready("r5b");
        await board.ReportAsync(routes, CancellationToken.None);

        Assert.Equal(
            [(LogLevel.Information, "KonnectRoute default/r5b: accepted and programmed"), (LogLevel.Information, "KonnectRoute default/r5: removed")],
            logger.Lines.Select(l => (l.Level, l.Text)));
    }

    [Fact]
    public async Task ReportAsync_SameStatusesInAnotherOrder_NothingLogged()
    {
        var logger = new ListLogger();
        var board = new StatusBoard(logger);
        var routes = Enumerable.Range(0, 50).Select(i => Ready($"r{i}")).ToList();
        await board.ReportAsync(routes, CancellationToken.None);
        logger.Lines.Clear();

        routes.Reverse(); // also shows the board kept its own copy of the list it was handed
        await board.ReportAsync(routes, CancellationToken.None);

        Assert.Empty(logger.Lines);
        Assert.Equal(50, board.Current.Count);
    }

    private static ObjectStatus Ready(string name) => new()
    {
        Object = new ObjectRef("KonnectRoute", "default", name),
        Conditions = [new Condition { Type = "Accepted", Status = "True", Reason = "Accepted" }, new Condition { Type = "Programmed", Status = "True", Reason = "Programmed" }],
    };

    private sealed class ListLogger : ILogger<StatusBoard>
    {
        public List<(LogLevel Level, string Text)> Lines { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((logLevel, formatter(state, exception)));
    }
}
