using Lbdeploy.Common;
using System.Collections.Frozen;

namespace Lbdeploy.Spec;

/// <summary>
/// Where each item of the spec was written (item path such as <c>dips[2]</c> -> line and column), so checks that run
/// after reading (against the topology, the routes) still point at the right line.
/// </summary>
public sealed class SpecSourceMap
{
    private readonly FrozenDictionary<string, SourceLocation> values;
    private readonly FrozenDictionary<string, SourceLocation> keys;

    public SpecSourceMap(string file, IReadOnlyDictionary<string, SourceLocation> values, IReadOnlyDictionary<string, SourceLocation> keys)
    {
        File = file;
        this.values = values.ToFrozenDictionary(StringComparer.Ordinal);
        this.keys = keys.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The file name diagnostics start with (as the user named it).</summary>
    public string File { get; }

    /// <summary>True when the spec wrote <paramref name="path"/> itself (not only a parent of it).</summary>
    public bool Has(string path) => values.ContainsKey(path);

    /// <summary>Where the value of <paramref name="path"/> is written; falls back to its parents, then 1:1.</summary>
    public SourceLocation ValueOf(string path)
    {
        for (var p = path; p.Length > 0; p = Parent(p))
        {
            if (values.TryGetValue(p, out var location)) return location;
        }
        return SourceLocation.Start;
    }

    /// <summary>Whether the spec writes <paramref name="path"/> itself (not only a parent of it).</summary>
    public bool Contains(string path) => values.ContainsKey(path);

    /// <summary>Where the key of <paramref name="path"/> is written (the `topology:` of `topology: x.json`).</summary>
    public SourceLocation KeyOf(string path) => keys.TryGetValue(path, out var location) ? location : ValueOf(path);

    public SpecDiagnostic At(string path, string message) => new(File, ValueOf(path), path, message);

    public SpecDiagnostic AtKey(string path, string message) => new(File, KeyOf(path), path, message);

    private static string Parent(string path)
    {
        var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut < 0 ? "" : path[..cut];
    }
}
