using System.Collections.Immutable;
using System.Globalization;

namespace Lbdeploy.Spec;

/// <summary>
/// One problem in a spec, located in its file: <c>lb.yaml:12:5: error: dips[2]: host 'h17' is not in the topology</c>.
/// <see cref="Path"/> names the item (<c>vip.address</c>, <c>dips[2].weight</c>, 0-based indexes).
/// </summary>
public sealed record SpecDiagnostic(string File, SourceLocation Location, string Path, string Message)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture,
            $"{File}:{Location.Line}:{Location.Column}: error: {(Path.Length == 0 ? "" : Path + ": ")}{Message}");
}

/// <summary>A 1-based line and column in the spec file.</summary>
public readonly record struct SourceLocation(int Line, int Column) : IComparable<SourceLocation>
{
    public static readonly SourceLocation Start = new(1, 1);

    public int CompareTo(SourceLocation other) =>
        Line != other.Line ? Line.CompareTo(other.Line) : Column.CompareTo(other.Column);
}

/// <summary>A spec with problems: every diagnostic, in file order. The message is one line per problem.</summary>
public sealed class SpecException(ImmutableArray<SpecDiagnostic> diagnostics)
    : Exception(string.Join(Environment.NewLine, diagnostics))
{
    public ImmutableArray<SpecDiagnostic> Diagnostics { get; } = diagnostics;
}
