using Lbdeploy.Common;
using Lbdeploy.Nodes;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>A fact that needs root and mininet (it builds a real network); skipped with the reason otherwise.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Processes.IsRoot)
        {
            Skip = "needs root: it starts a mininet network (run the tests with sudo)";
        }
        else
        {
            // Found as lbdeploy finds it (mnexec on PATH, a python3 that imports mininet): a source-built mininet counts.
            try
            {
                MininetInstall.Require();
            }
            catch (RunnerException e)
            {
                Skip = $"needs mininet: {e.Message}";
            }
        }
    }
}

/// <summary>One mininet network per machine: every test that starts one runs in this collection, one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MininetCollection
{
    public const string Name = "mininet";
}
