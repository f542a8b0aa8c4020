using System.Collections.Immutable;
using Konnect.Api.Kubernetes;
using Konnect.Controller.Store;
using Konnect.Model;

namespace Konnect.Controller.Sources;

/// <summary>What one manifest file holds, as <see cref="ManifestReader"/> read it.</summary>
/// <param name="Path">The path as shown to users (relative to the watched folder in folder mode).</param>
/// <param name="Objects">Decoded objects in the order written, namespace already defaulted.</param>
/// <param name="Invalid">Objects that named themselves but could not be decoded.</param>
/// <param name="Problems">Documents that could not be used at all; every message starts with "file:line:".</param>
/// <param name="SyntaxError">Set when the file is not well-formed YAML; then nothing else in it is used.</param>
public sealed record ManifestFile(
    string Path,
    ImmutableArray<ManifestObject> Objects,
    ImmutableArray<ManifestInvalidObject> Invalid,
    ImmutableArray<SourceProblem> Problems,
    ManifestSyntaxError? SyntaxError)
{
    public bool IsWellFormed => SyntaxError is null;

    /// <summary>A file that could not be read at all (I/O error, too large), reported like a syntax error.</summary>
    public static ManifestFile Unreadable(string path, int line, int column, string message) =>
        new(path, [], [], [new SourceProblem(new SourceLocation(path, line), $"{path}:{line}:{column}: {message}")],
            new ManifestSyntaxError(line, column, message));
}

/// <summary>One decoded object and where it was written.</summary>
public sealed record ManifestObject(ObjectRef Ref, SourceLocation Location, IKubernetesObject Object);

/// <summary>One object that could be named but not decoded, and where it was written.</summary>
public sealed record ManifestInvalidObject(SourceLocation Location, InvalidObject Invalid)
{
    public ObjectRef Ref => Invalid.Object;
}

/// <summary>Where a file stops being YAML (1-based) and the parser's reason.</summary>
public sealed record ManifestSyntaxError(int Line, int Column, string Message);
