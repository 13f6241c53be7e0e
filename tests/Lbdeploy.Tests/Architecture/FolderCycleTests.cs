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

    /// <summary>
    /// docs/architecture.md lists, between its folder-graph markers, every folder of both programs and the folders it
    /// uses, exactly as the compiled code has them (LBDEPLOY_REFRESH_DOCS=1 rewrites the block).
    /// </summary>
    [Fact]
    public void The_architecture_document_shows_the_folder_graph_of_the_code()
    {
        var text = string.Join("\n",
            Block("cli", NamespaceGraph.Of(typeof(LbdeployApp).Assembly, "Lbdeploy"), "Lbdeploy."),
            Block("engine/LbCore", NamespaceGraph.Of(typeof(Lb.Core.Config.EngineConfig).Assembly, "Lb.Core"), "Lb.Core."),
            Block("engine/LbEngine", EngineGraph(), "Lb.Engine."));
        var path = RepoPaths.Combine("docs", "architecture.md");
        var document = File.ReadAllText(path);
        const string Start = "<!-- folder-graph: generated, checked by FolderCycleTests -->\n";
        const string End = "<!-- /folder-graph -->";
        var from = document.IndexOf(Start, StringComparison.Ordinal);
        var to = document.IndexOf(End, StringComparison.Ordinal);
        Assert.True(from >= 0 && to > from, $"{path} has no folder-graph block");
        var current = document[(from + Start.Length)..to];
        var expected = "```\n" + text + "```\n";
        if (Environment.GetEnvironmentVariable("LBDEPLOY_REFRESH_DOCS") == "1" && current != expected)
        {
            File.WriteAllText(path, document[..(from + Start.Length)] + expected + document[to..]);
            return;
        }
        Assert.Equal(expected, current);
    }

    /// <summary>The engine program's graph, read from its assembly beside the tests' (it is built first, not referenced).</summary>
    private static Dictionary<string, SortedSet<string>> EngineGraph()
    {
        var dll = RepoPaths.Combine("engine", "LbEngine", "bin", "Release", "net10.0", "lbengine.dll");
        if (!File.Exists(dll)) dll = RepoPaths.Combine("engine", "LbEngine", "bin", "Debug", "net10.0", "lbengine.dll");
        var context = new System.Runtime.Loader.AssemblyLoadContext("engine-graph", isCollectible: true);
        try
        {
            return NamespaceGraph.Of(context.LoadFromAssemblyPath(dll), "Lb.Engine");
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>`Folder  -> A, B` lines (folders by their path, dependencies in name order), one per folder.</summary>
    private static string Block(string root, Dictionary<string, SortedSet<string>> graph, string prefix)
    {
        string Folder(string ns) => ns.Length <= prefix.Length - 1 ? root : $"{root}/{ns[prefix.Length..].Replace('.', '/')}";
        var lines = graph.Keys.Order(StringComparer.Ordinal)
            .Select(ns => $"{Folder(ns),-24} -> {(graph[ns].Count == 0 ? "(nothing)" : string.Join(", ", graph[ns].Select(d => Folder(d)[(root.Length + 1)..])))}");
        return string.Join("\n", lines) + "\n";
    }

    [GeneratedRegex(@"^namespace ([A-Za-z.]+);", RegexOptions.Multiline)]
    private static partial Regex Namespace();
}
