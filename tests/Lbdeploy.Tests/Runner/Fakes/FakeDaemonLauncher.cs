using System.Collections.Immutable;
using Lbdeploy.Nodes;
using Lbdeploy.Runner;

namespace Lbdeploy.Tests.Runner.Fakes;

/// <summary>
/// Daemons started on this machine (the mux watcher): a process of the fake table that, like the real watcher,
/// writes its status file after its first round, with every mux of <paramref name="muxes"/> up.
/// </summary>
internal sealed class FakeDaemonLauncher(FakeProcessTable processes, DeployPaths paths, TimeProvider time, IReadOnlyList<string> muxes, EventLog log) : IDaemonLauncher
{
    public Task<int> StartAsync(string logFile, IReadOnlyList<string> argv, CancellationToken cancellationToken = default)
    {
        var pid = processes.Start([.. argv]);
        log.Add($"daemon local: {string.Join(' ', argv)} -> {pid}");
        Directory.CreateDirectory(paths.Directory);
        new WatchStatus(pid, time.GetUtcNow(), muxes.ToImmutableSortedDictionary(m => m, _ => true, StringComparer.Ordinal),
            ImmutableSortedDictionary<string, ImmutableArray<string>>.Empty, 0).Save(paths);
        return Task.FromResult(pid);
    }
}
