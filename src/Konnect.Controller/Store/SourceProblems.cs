using Konnect.Model;

namespace Konnect.Controller.Store;

/// <summary>Where an object came from in folder mode, for `konnect validate` and error messages.</summary>
public sealed record SourceLocation(string File, int Line)
{
    public override string ToString() => $"{File}:{Line}";
}

/// <summary>An object a source could read far enough to name, but not decode (a wrong type, an unknown enum value).</summary>
public sealed record InvalidObject(ObjectRef Object, string Reason, string Message);

/// <summary>
/// A whole file (or document) that could not be read; its last good content is still in use, if it had any.
/// A warning (a kind Konnect does not read) is reported but never fails `konnect validate`.
/// </summary>
public sealed record SourceProblem(SourceLocation Location, string Message, bool IsWarning = false);
