using Lb.Tests.Shared;

namespace Lb.Engine.Tests.Architecture;

/// <summary>The engine's folders (one namespace each) depend on each other without a cycle; a new one fails here with its uses.</summary>
public sealed class FolderCycleTests
{
    [Fact]
    public void The_engine_folders_form_no_cycle()
    {
        var graph = NamespaceGraph.Of(typeof(Lb.Engine.Mux.MuxEngine).Assembly, "Lb.Engine");
        var cycles = NamespaceGraph.Cycles(graph);
        Assert.True(cycles.Count == 0, string.Join("\n", cycles.Select(c => $"cycle {string.Join(", ", c)}: {string.Join("; ", NamespaceGraph.EdgesWithin(graph, c))}")));
    }
}
