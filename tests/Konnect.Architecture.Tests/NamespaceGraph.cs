using System.Text.RegularExpressions;

namespace Konnect.Architecture.Tests;

/// <summary>A C# file of a project, as the namespace graph reads it.</summary>
/// <param name="Path">Relative to the project's folder, with '/' separators.</param>
internal sealed record SourceFile(string Project, string Path, string Text);

/// <summary>
/// Which namespaces the code of each namespace names, read from the source text (comments and literals removed, see
/// <see cref="CSharpCode"/>), the way the compiler would resolve the names:
/// <list type="bullet">
/// <item><c>using</c> directives, <c>using static</c> and aliases;</item>
/// <item>qualified names in code, full (<c>Konnect.Gateway.Routing.RouteTable</c>) or relative to an enclosing
/// namespace (<c>Routing.RouteTable</c> inside <c>Konnect.Gateway.Hosting</c>);</item>
/// <item>types of an enclosing namespace named without a using, which C# finds on its own (<c>GatewayState</c> inside
/// <c>Konnect.Gateway.Routing</c> is a dependency on <c>Konnect.Gateway</c>).</item>
/// </list>
/// Each namespace is a node of its own: a parent and its child are two nodes, and a cycle through them is a cycle.
/// Reading text rather than compiling keeps the test fast and free of a compiler dependency; where a name could be a
/// member rather than a type (a property named like a type), the reading leans towards the member, as C# does.
/// </summary>
internal sealed partial class NamespaceGraph
{
    private readonly Dictionary<string, Dictionary<string, string>> _edges = new(StringComparer.Ordinal);

    private NamespaceGraph(Dictionary<string, string> projects) => ProjectOf = projects;

    /// <summary>Each namespace declared in the sources and the project declaring it.</summary>
    public IReadOnlyDictionary<string, string> ProjectOf { get; }

    /// <summary>The namespaces <paramref name="from"/> names, each with the first place that names it.</summary>
    public IReadOnlyDictionary<string, string> EdgesFrom(string from) =>
        _edges.TryGetValue(from, out var edges) ? edges : new Dictionary<string, string>();

    public static NamespaceGraph Build(IEnumerable<SourceFile> files)
    {
        var parsed = files.Select(f => (File: f, Code: CSharpCode.Strip(f.Text))).Select(f => (f.File, f.Code, Namespace: NamespaceOf(f.Code))).ToList();
        var graph = new NamespaceGraph(parsed.GroupBy(f => f.Namespace).ToDictionary(g => g.Key, g => g.First().File.Project, StringComparer.Ordinal));
        var types = parsed.GroupBy(f => f.Namespace)
            .ToDictionary(g => g.Key, g => g.SelectMany(f => TopLevelTypes(f.Code)).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        // "Konnect" and "Konnect.Gateway" are namespaces to the compiler even where no file declares them.
        var prefixes = types.Keys.SelectMany(Enclosing).ToHashSet(StringComparer.Ordinal);
        foreach (var (file, code, ns) in parsed)
        {
            graph.Read(file, code, ns, types, prefixes);
        }

        return graph;
    }

    /// <summary>
    /// The groups of the project's namespaces that depend on each other (strongly connected), each with its shortest
    /// cycle through its first namespace: breaking that cycle is the first step to untying the group.
    /// </summary>
    public IReadOnlyList<Tie> TiesIn(string project)
    {
        var nodes = ProjectOf.Where(p => p.Value == project).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
        var inProject = nodes.ToHashSet(StringComparer.Ordinal);
        IEnumerable<string> Next(string node) => EdgesFrom(node).Keys.Where(inProject.Contains).Order(StringComparer.Ordinal);
        return [.. StronglyConnected(nodes, Next).Where(c => c.Count > 1)
            .Select(c => new Tie([.. c.Order(StringComparer.Ordinal)], ShortestCycle(c.Min(StringComparer.Ordinal)!, c, Next)))];
    }

    /// <summary>"A → B → A", where the code names each next namespace, and the rest of the group if it is larger.</summary>
    public string Describe(Tie tie)
    {
        var cycle = tie.Cycle;
        var steps = cycle.Select((from, i) => $"  {from} → {cycle[(i + 1) % cycle.Count]}: {EdgesFrom(from)[cycle[(i + 1) % cycle.Count]]}");
        var rest = tie.Members.Except(cycle).ToList();
        return string.Join(" → ", cycle.Append(cycle[0])) + Environment.NewLine + string.Join(Environment.NewLine, steps)
            + (rest.Count > 0 ? $"{Environment.NewLine}  (tied in with them: {string.Join(", ", rest)})" : "");
    }

    /// <summary>Namespaces that depend on each other, and one cycle among them.</summary>
    public sealed record Tie(IReadOnlyList<string> Members, IReadOnlyList<string> Cycle);

    private void Read(SourceFile file, string code, string ns, Dictionary<string, HashSet<string>> types, HashSet<string> prefixes)
    {
        void Add(string? target, string why)
        {
            if (target is null || target == ns) { return; }
            if (!_edges.TryGetValue(ns, out var edges)) { _edges[ns] = edges = new Dictionary<string, string>(StringComparer.Ordinal); }
            edges.TryAdd(target, $"{file.Project}/{file.Path}: {why}");
        }

        foreach (Match m in UsingDirective().Matches(code))
        {
            var target = m.Groups["target"].Value;
            var isNamespace = m.Groups["static"].Length == 0 && types.ContainsKey(target);
            Add(isNamespace ? target : NamespaceOfType(target, types), WhiteSpace().Replace(m.Value.Trim(), " "));
        }

        var body = NamespaceDeclaration().Replace(UsingDirective().Replace(code, Spaces), Spaces);
        var enclosing = Enclosing(ns).ToList();
        foreach (Match m in QualifiedName().Matches(body))
        {
            if (IsPropertyPattern(body, m)) { continue; }
            var chain = Squeeze(m.Groups["chain"].Value);
            // As the compiler looks a name up: in the file's namespace, then each enclosing one, then the global one.
            var first = chain[..chain.IndexOf('.', StringComparison.Ordinal)];
            if (enclosing.Append("").FirstOrDefault(e => prefixes.Contains(e.Length == 0 ? first : $"{e}.{first}")) is { } level)
            {
                Add(NamespaceOfType(level.Length == 0 ? chain : $"{level}.{chain}", types), level.Length == 0 ? chain : $"{chain} (in {ns})");
            }
        }

        var named = NamedTypes(body);
        foreach (var ancestor in enclosing.Skip(1))
        {
            // Innermost first: a name found in a nearer namespace hides the same name further out, as in C#.
            var hits = named.Where(n => types.GetValueOrDefault(ancestor)?.Contains(n) == true && types.GetValueOrDefault(ns)?.Contains(n) != true).Order(StringComparer.Ordinal).ToList();
            if (hits.Count > 0) { Add(ancestor, $"{string.Join(", ", hits)} (a type of the enclosing {ancestor})"); }
            named.ExceptWith(hits);
        }
    }

    /// <summary>The file's namespace; top-level statements (a Program.cs) are in the global namespace, "".</summary>
    internal static string NamespaceOf(string code) => NamespaceDeclaration().Match(code) is { Success: true } m ? m.Groups["name"].Value : "";

    /// <summary>Every namespace declaration of the file (more than one is reported by the folder test).</summary>
    internal static IReadOnlyList<string> NamespacesOf(string code) => [.. NamespaceDeclaration().Matches(code).Select(m => m.Groups["name"].Value)];

    /// <summary>The namespace itself, then each enclosing one out to the first segment.</summary>
    private static IEnumerable<string> Enclosing(string ns)
    {
        for (var n = ns; n.Length > 0; n = n.LastIndexOf('.') is var dot and > 0 ? n[..dot] : "")
        {
            yield return n;
        }
    }

    /// <summary>The longest known namespace that a qualified type name (at least one segment after it) starts with.</summary>
    private static string? NamespaceOfType(string qualified, Dictionary<string, HashSet<string>> types)
    {
        for (var end = qualified.LastIndexOf('.'); end > 0; end = qualified.LastIndexOf('.', end - 1))
        {
            if (types.ContainsKey(qualified[..end])) { return qualified[..end]; }
        }

        return null;
    }

    /// <summary>Types declared at the top level of the file's namespace (nested types are reached through their outer type).</summary>
    private static IEnumerable<string> TopLevelTypes(string code)
    {
        var topDepth = FileScopedNamespace().IsMatch(code) || NamespaceDeclaration().Match(code) is { Success: false } ? 0 : 1;
        foreach (Match m in TypeDeclaration().Matches(code))
        {
            if (Depth(code, m.Index) == topDepth) { yield return m.Groups["name"].Value; }
        }
    }

    private static int Depth(string code, int position)
    {
        var depth = 0;
        for (var i = 0; i < position; i++)
        {
            if (code[i] == '{') { depth++; }
            else if (code[i] == '}') { depth--; }
        }

        return depth;
    }

    /// <summary>
    /// The capitalised simple names the code uses as types. Skipped: member access (<c>x.Problem</c>), member
    /// declarations and assignments (<c>Problem { get</c>, <c>Problem =</c>, <c>Problem =&gt;</c>), property
    /// patterns (<c>{ Problem: ... }</c>), and names the file declares as members, except where only a type fits.
    /// </summary>
    private static HashSet<string> NamedTypes(string body)
    {
        var members = MemberDeclaration().Matches(body).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in SimpleName().Matches(body))
        {
            if (IsPropertyPattern(body, m)) { continue; }
            var name = m.Groups["name"].Value;
            if (!members.Contains(name) || TypePosition().IsMatch(body[m.Index..Math.Min(body.Length, m.Index + m.Length + 40)]))
            {
                named.Add(name);
            }
        }

        return named;
    }

    /// <summary><c>{ Name: ...</c> or <c>, Name.Inner: ...</c>: a property pattern names members, not types.</summary>
    private static bool IsPropertyPattern(string body, Match m)
    {
        var before = m.Index - 1;
        while (before >= 0 && char.IsWhiteSpace(body[before])) { before--; }
        var after = m.Index + m.Length;
        while (after < body.Length && char.IsWhiteSpace(body[after])) { after++; }
        return before >= 0 && body[before] is '{' or ',' && after < body.Length && body[after] == ':' && (after + 1 >= body.Length || body[after + 1] != ':');
    }

    private static string Squeeze(string text) => WhiteSpace().Replace(text, "");

    private static string Spaces(Match m) => new(' ', m.Length);

    private static List<List<string>> StronglyConnected(List<string> nodes, Func<string, IEnumerable<string>> next)
    {
        // Tarjan's algorithm; namespace graphs are small, so recursion depth is no concern.
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var components = new List<List<string>>();
        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in next(v))
            {
                if (!index.ContainsKey(w)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                else if (onStack.Contains(w)) { low[v] = Math.Min(low[v], index[w]); }
            }

            if (low[v] != index[v]) { return; }
            var component = new List<string>();
            string popped;
            do { popped = stack.Pop(); onStack.Remove(popped); component.Add(popped); } while (popped != v);
            components.Add(component);
        }

        foreach (var node in nodes.Where(n => !index.ContainsKey(n))) { Visit(node); }
        return components;
    }

    private static List<string> ShortestCycle(string start, List<string> component, Func<string, IEnumerable<string>> next)
    {
        var inside = component.ToHashSet(StringComparer.Ordinal);
        var cameFrom = new Dictionary<string, string>(StringComparer.Ordinal);
        var queue = new Queue<string>([start]);
        while (queue.TryDequeue(out var node))
        {
            foreach (var w in next(node).Where(inside.Contains))
            {
                if (w == start)
                {
                    var path = new List<string> { node };
                    while (path[^1] != start) { path.Add(cameFrom[path[^1]]); }
                    path.Reverse();
                    return path;
                }

                if (cameFrom.TryAdd(w, node)) { queue.Enqueue(w); }
            }
        }

        throw new InvalidOperationException($"{start} is in a strongly connected part but on no cycle.");
    }

    [GeneratedRegex(@"^\s*namespace\s+(?<name>[\w.]+)", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"^\s*namespace\s+[\w.]+\s*;", RegexOptions.Multiline)]
    private static partial Regex FileScopedNamespace();

    [GeneratedRegex(@"^\s*(?:global\s+)?using\s+(?<static>static\s+)?(?:\w+\s*=\s*)?(?:global::)?(?<target>[\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"\b(?:record\s+(?:class|struct)|class|struct|interface|enum|record)\s+(?<name>[A-Za-z_]\w*)|\bdelegate\s+[\w<>\[\]?,.\s]+?\s(?<name>[A-Za-z_]\w*)\s*[<(]")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"(?<![\w.])(?:global::)?(?<chain>[A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)+)")]
    private static partial Regex QualifiedName();

    [GeneratedRegex(@"(?<![\w.])(?<name>[A-Z]\w*)(?!\w|\s*(?:=(?![=>])|=>|\{\s*(?:get|set|init)\b))")]
    private static partial Regex SimpleName();

    [GeneratedRegex(@"\b(?:public|private|internal|protected|static|readonly|const|override|virtual|abstract|sealed|async|partial|required|volatile)\s+[\w<>\[\]?,.\s]*?\b(?<name>\w+)\s*(?=\{|=>|=|;|\()")]
    private static partial Regex MemberDeclaration();

    /// <summary>A name followed by the variable it declares (<c>Problem? problem</c>, <c>Problem p</c>), not by a keyword.</summary>
    [GeneratedRegex(@"^\w+\??\s+(?!(?:is|as|and|or|not|when|switch|with|in|on|by|into|equals|ascending|descending)\b)[A-Za-z_]")]
    private static partial Regex TypePosition();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}
