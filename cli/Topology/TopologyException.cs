using System.Collections.Immutable;
using Lbdeploy.Common;

namespace Lbdeploy.Topology;

/// <summary>One thing wrong with a topology: the JSON item it concerns (<c>topology.links[3]</c>, <c>nodes[5].id</c>) and why, with the fix.</summary>
public sealed record TopologyProblem(string Path, string Message);

/// <summary>
/// A topology that cannot be turned into a <see cref="Fabric"/>: every problem found, each at its JSON item path.
/// <see cref="FabricLoader"/> turns them into located diagnostics in the file (<see cref="SpecException"/>); for a
/// topology built in memory (the generators) the message lists them on one line.
/// </summary>
public sealed class TopologyException(string source, ImmutableArray<TopologyProblem> problems)
    : Exception(Summary(source, problems))
{
    /// <summary>Problems reported per file at most; the rest are counted in one last line.</summary>
    public const int MaxReported = 20;

    public string TopologySource { get; } = source;

    public ImmutableArray<TopologyProblem> Problems { get; } = problems;

    /// <summary>The problems located in the file's text (<paramref name="json"/>), as diagnostics of <paramref name="displayPath"/>.</summary>
    public ImmutableArray<SpecDiagnostic> Locate(string json, string displayPath)
    {
        var shown = Problems.Take(MaxReported).ToList();
        var locations = JsonLocator.Locate(json, shown.Select(p => p.Path));
        var diagnostics = shown.Select(p => new SpecDiagnostic(displayPath, locations.GetValueOrDefault(p.Path, SourceLocation.Start), p.Path, p.Message)).ToList();
        if (Problems.Length > MaxReported)
        {
            diagnostics.Add(new SpecDiagnostic(displayPath, SourceLocation.Start, "", $"and {Problems.Length - MaxReported} more problems of the kinds above; fix those and run again"));
        }
        return [.. diagnostics];
    }

    private static string Summary(string source, ImmutableArray<TopologyProblem> problems)
    {
        var shown = problems.Take(3).Select(p => p.Path.Length == 0 ? p.Message : $"{p.Path}: {p.Message}");
        return $"{TerminalText.Escape(source)}: {string.Join("; ", shown)}{(problems.Length > 3 ? $"; and {problems.Length - 3} more" : "")}";
    }
}

/// <summary>Collects <see cref="TopologyProblem"/>s while an importer reads a file, so every one is reported at once.</summary>
internal sealed class TopologyProblems(string source)
{
    private readonly List<TopologyProblem> problems = [];

    public bool Any => problems.Count > 0;

    public void Add(string path, string message) => problems.Add(new TopologyProblem(path, message));

    public void ThrowIfAny()
    {
        if (problems.Count > 0) throw new TopologyException(source, [.. problems]);
    }
}
