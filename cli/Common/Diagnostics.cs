using System.Collections.Immutable;
using System.Globalization;

namespace Lbdeploy.Common;

/// <summary>How bad a diagnostic is: an error stops the command; a warning is printed (and is an error under --strict).</summary>
public enum DiagnosticSeverity
{
    Error,
    Warning,
}

/// <summary>
/// One problem in an input file, located: <c>lb.yaml:12:5: error: dips[2]: host 'h17' is not in the topology</c>.
/// <see cref="Path"/> names the item (<c>vip.address</c>, <c>dips[2].weight</c>, <c>topology.links[3]</c>; 0-based
/// indexes); <see cref="File"/> is the file as the user named it (the spec, or the topology file it points to).
/// </summary>
public sealed record SpecDiagnostic(string File, SourceLocation Location, string Path, string Message)
{
    public DiagnosticSeverity Severity { get; init; } = DiagnosticSeverity.Error;

    public bool IsError => Severity == DiagnosticSeverity.Error;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture,
            $"{File}:{Location.Line}:{Location.Column}: {(IsError ? "error" : "warning")}: {(Path.Length == 0 ? "" : Path + ": ")}{Message}");
}

/// <summary>A 1-based line and column in an input file.</summary>
public readonly record struct SourceLocation(int Line, int Column) : IComparable<SourceLocation>
{
    public static readonly SourceLocation Start = new(1, 1);

    public int CompareTo(SourceLocation other) =>
        Line != other.Line ? Line.CompareTo(other.Line) : Column.CompareTo(other.Column);
}

/// <summary>
/// Input with problems: every diagnostic (errors, and the warnings found with them), in file order. The message is one
/// line per problem.
/// </summary>
public sealed class SpecException(ImmutableArray<SpecDiagnostic> diagnostics)
    : Exception(string.Join(Environment.NewLine, diagnostics))
{
    public ImmutableArray<SpecDiagnostic> Diagnostics { get; } = diagnostics;

    /// <summary>Orders diagnostics of several files: by file in first-seen order, then by location.</summary>
    public static ImmutableArray<SpecDiagnostic> Ordered(IEnumerable<SpecDiagnostic> diagnostics)
    {
        var list = diagnostics.ToList();
        var fileOrder = list.Select(d => d.File).Distinct(StringComparer.Ordinal).Select((f, i) => (f, i)).ToDictionary(x => x.f, x => x.i, StringComparer.Ordinal);
        return [.. list.OrderBy(d => fileOrder[d.File]).ThenBy(d => d.Location)];
    }
}
