using Lbdeploy.Runner;

namespace Lbdeploy.Tests.Runner.Fakes;

/// <summary>The deploy state in memory, every save kept (the folders it names are a test folder).</summary>
internal sealed class MemoryStateStore(DeployPaths paths, TimeProvider time, EventLog log) : IDeployStateStore
{
    private readonly Lock gate = new();
    private readonly List<DeployState> saves = [];
    private DeployState? current;

    public DeployPaths Paths { get; } = paths;

    /// <summary>Every state saved, oldest first.</summary>
    public IReadOnlyList<DeployState> Saves
    {
        get { lock (gate) return [.. saves]; }
    }

    public DeployState? Load()
    {
        lock (gate) return current;
    }

    public void Save(DeployState state)
    {
        var saved = state with { UpdatedAt = time.GetUtcNow() };
        lock (gate)
        {
            current = saved;
            saves.Add(saved);
        }
        log.Add($"save {string.Join(", ", saved.Units.Select(u => u.Label))}");
    }

    public void Delete()
    {
        lock (gate) current = null;
        log.Add("delete state");
    }
}
