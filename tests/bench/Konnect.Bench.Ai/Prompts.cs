using System.Text;
using Microsoft.ML.Tokenizers;

namespace Konnect.Bench.Ai;

/// <summary>
/// Deterministic prompts of about a given number of o200k tokens: an instruction, then a report of varied English
/// sentences drawn from a word list with a fixed seed (common words far more often than rare ones, as in real text),
/// so the tokenizer sees the mix of short cached words and longer ones a real prompt has, not one sentence repeated.
/// </summary>
internal static class Prompts
{
    public const string Instruction = "Read the project report below. List the three decisions it asks the steering group for, "
        + "with the owner and the deadline of each, then say in two sentences which risk worries you most and why.";

    // Function words: about half of the words of any English text.
    private static readonly string[] Function = Split("""
        the of and to a in that is was he for it with as his on be at by I this had not are but from or have an they
        which one you were her all she there would their we him been has when who will more no if out so said what up
        its about into than them can only other new some could time these two may then do first any my now such like
        our over man me even most made after also did many before must through back years where much your way well
        down should because each just those people how too little state good very make world still own see men work
        long get here between both life being under never day same another know while last might us great old year
        off come since against go came right used take three
        """);

    // Content words of a project report: nouns, verbs, adjectives, a few long and technical ones.
    private static readonly string[] Content = Split("""
        project team budget schedule release customer service platform gateway cluster deadline review decision risk
        owner quarter revenue contract supplier migration database network capacity latency throughput incident
        outage support ticket engineer manager director committee proposal estimate forecast invoice payment audit
        compliance security policy certificate credential rollout rollback deployment pipeline integration partner
        vendor region datacenter storage backup recovery failover monitoring alert dashboard metric report summary
        analysis requirement feature roadmap milestone dependency blocker delay overrun shortfall saving investment
        hiring training onboarding documentation process workflow approval escalation priority scope quality testing
        defect regression performance scalability availability reliability maintenance upgrade version license cost
        price discount margin growth churn retention adoption usage traffic request response error failure warning
        agreed approved delayed reduced increased improved replaced moved expected planned reviewed measured tested
        shipped deferred cancelled signed renewed negotiated escalated resolved documented automated monitored hired
        critical significant moderate minor urgent expensive affordable reliable unstable temporary permanent manual
        automatic regional global internal external previous current upcoming quarterly monthly weekly annual legal
        operational financial technical strategic contractual regulatory organisational infrastructure observability
        interoperability accountability authentication authorisation reconciliation consolidation decommissioning
        standardisation procurement stakeholder subcontractor headcount bandwidth firmware hardware software tooling
        Kubernetes Postgres Redis Frankfurt Dublin Singapore Oregon Virginia Amsterdam Helsinki Toronto Sydney Tokyo
        Alice Bernard Chen Dimitri Elena Farah Gustavo Hannah Ingrid Jonas Keiko Lars Miriam Nadia Oskar Priya Rafael
        Sofia Tomasz Ulrike Viktor Wen Yusuf Zara January February March April May June July August September October
        November December Monday Tuesday Wednesday Thursday Friday percent million thousand hours days weeks months
        customers engineers services clusters regions tickets incidents releases features contracts invoices teams
        costs risks decisions owners deadlines suppliers partners licenses certificates backups alerts requests users
        """);

    // Syllables for words no tokenizer cache holds: onsets, vowels and codas make 3,840 syllables, so two or three of
    // them make a word that a run of many thousand words practically never repeats.
    private static readonly string[] Onsets = ["b", "br", "c", "ch", "cl", "d", "dr", "f", "fl", "g", "gr", "h", "j", "k", "l", "m",
        "n", "p", "pl", "pr", "qu", "r", "s", "sh", "sl", "st", "t", "th", "tr", "v", "w", "z"];
    private static readonly string[] Vowels = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "io", "y"];
    private static readonly string[] Codas = ["", "n", "r", "s", "t", "l", "m", "nd", "rk", "st", "x", "ng"];

    /// <summary>
    /// A prompt of at least <paramref name="tokens"/> tokens (by <paramref name="sizer"/>), the same for the same seed.
    /// With <paramref name="unseenWords"/> every content word is a made-up one, so counting it misses the tokenizer's
    /// word cache; <paramref name="sizer"/> then must not be the tokenizer being timed (sizing would fill its cache).
    /// </summary>
    public static string Report(int seed, int tokens, Tokenizer sizer, bool unseenWords = false)
    {
        var random = new Random(seed);
        var text = new StringBuilder(tokens * 6);
        text.Append(Instruction).Append("\n\nReport ").Append(seed).Append(":\n\n");
        var counted = sizer.CountTokens(text.ToString());
        var sentencesInParagraph = 0;
        while (counted < tokens)
        {
            var sentence = Sentence(random, unseenWords);
            var separator = sentencesInParagraph == 0 ? "" : " ";
            counted += sizer.CountTokens(separator + sentence);
            text.Append(separator).Append(sentence);
            if (++sentencesInParagraph >= 4 + random.Next(4))
            {
                text.Append("\n\n");
                sentencesInParagraph = 0;
            }
        }
        return text.ToString().TrimEnd();
    }

    private static string Sentence(Random random, bool unseenWords)
    {
        var words = 6 + random.Next(17);
        var sentence = new StringBuilder();
        for (var i = 0; i < words; i++)
        {
            var word = random.NextDouble() < 0.45 ? Skewed(random, Function)
                : unseenWords ? MadeUp(random)
                : Skewed(random, Content);
            if (i == 0) { word = char.ToUpperInvariant(word[0]) + word[1..]; }
            else { sentence.Append(' '); }
            sentence.Append(word);
            if (i < words - 1 && random.NextDouble() < 0.08) { sentence.Append(','); }
            if (i < words - 1 && random.NextDouble() < 0.02) { sentence.Append(' ').Append(random.Next(2, 990)); }
        }
        return sentence.Append(random.NextDouble() < 0.1 ? '?' : '.').ToString();
    }

    /// <summary>A word from the list, the first ones far more often (roughly as word frequency falls off in English).</summary>
    private static string Skewed(Random random, string[] words) => words[(int)(words.Length * Math.Pow(random.NextDouble(), 2.2))];

    private static string MadeUp(Random random)
    {
        var word = new StringBuilder();
        for (var syllables = 2 + random.Next(2); syllables > 0; syllables--)
        {
            word.Append(Onsets[random.Next(Onsets.Length)]).Append(Vowels[random.Next(Vowels.Length)]).Append(Codas[random.Next(Codas.Length)]);
        }
        return word.ToString();
    }

    private static string[] Split(string words) => words.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}
