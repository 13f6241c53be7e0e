using System.Text.RegularExpressions;
using Lb.Tests.Shared;
using Lbdeploy.Commands;
using Lbdeploy.Tests.Spec;

namespace Lbdeploy.Tests.Architecture;

/// <summary>
/// The CLI's folders (one namespace each) depend on each other without a cycle, so every stage reads only the stages
/// before it and the shared utilities below them (docs/architecture.md draws the graph). A new cycle fails here with
/// the uses that close it.
/// </summary>
public sealed partial class FolderCycleTests
{
    [Fact]
    public void The_cli_folders_form_no_cycle()
    {
        var graph = NamespaceGraph.Of(typeof(LbdeployApp).Assembly, "Lbdeploy");
        var cycles = NamespaceGraph.Cycles(graph);
        Assert.True(cycles.Count == 0, string.Join("\n", cycles.Select(c => $"cycle {string.Join(", ", c)}: {string.Join("; ", NamespaceGraph.EdgesWithin(graph, c))}")));
    }

    [Fact]
    public void The_core_library_forms_no_cycle()
    {
        var graph = NamespaceGraph.Of(typeof(Lb.Core.Config.EngineConfig).Assembly, "Lb.Core");
        var cycles = NamespaceGraph.Cycles(graph);
        Assert.True(cycles.Count == 0, string.Join("\n", cycles.Select(c => $"cycle {string.Join(", ", c)}: {string.Join("; ", NamespaceGraph.EdgesWithin(graph, c))}")));
    }

    [Fact]
    public void Common_depends_on_no_stage()
    {
        var graph = NamespaceGraph.Of(typeof(LbdeployApp).Assembly, "Lbdeploy");
        Assert.Empty(graph.GetValueOrDefault("Lbdeploy.Common") ?? []);
    }

    /// <summary>The namespace graph is the folder graph only while every file's namespace is its folder's.</summary>
    [Fact]
    public void Every_cli_file_declares_its_folder_namespace()
    {
        var root = RepoPaths.Combine("cli");
        var wrong = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal) && Path.GetDirectoryName(f) != root)
            .Select(f => (File: Path.GetRelativePath(root, f), Expected: "Lbdeploy." + Path.GetRelativePath(root, Path.GetDirectoryName(f)!).Replace('/', '.'), Actual: Namespace().Match(File.ReadAllText(f)).Groups[1].Value))
            .Where(x => x.Expected != x.Actual)
            .Select(x => $"{x.File}: {x.Actual} (expected {x.Expected})")
            .ToList();
        Assert.Empty(wrong);
    }

    [GeneratedRegex(@"^namespace ([A-Za-z.]+);", RegexOptions.Multiline)]
    private static partial Regex Namespace();
}
