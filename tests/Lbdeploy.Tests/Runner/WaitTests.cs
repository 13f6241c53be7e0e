using Lbdeploy.Common;
using Lbdeploy.Nodes;
using Lbdeploy.Runner;
using Lbdeploy.Tests.Runner.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace Lbdeploy.Tests.Runner;

/// <summary>The one polling loop, the process terminator built on it, and the file-backed state, on a fake clock.</summary>
public sealed class WaitTests
{
    [Fact]
    public async Task A_condition_that_holds_ends_the_wait_without_waiting()
    {
        var time = new FakeTimeProvider();
        var checks = 0;

        // The clock never moves: a wait that slept before its first check would never end (the test's own limit fails it).
        var held = await Wait.UntilAsync(() => ++checks == 1, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100), time).WaitAsync(TimeSpan.FromSeconds(5));

        Assert.True(held);
        Assert.Equal(1, checks);
    }

    [Fact]
    public async Task A_condition_that_never_holds_is_checked_every_interval_until_the_timeout()
    {
        var time = new FakeTimeProvider();
        var checkedAt = new List<TimeSpan>();
        var start = time.GetUtcNow();

        var wait = Wait.UntilAsync(() => { checkedAt.Add(time.GetUtcNow() - start); return false; }, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(250), time);
        await time.AdvanceUntilDoneAsync(wait, TimeSpan.FromMilliseconds(50));

        Assert.False(await wait);
        Assert.Equal([0, 250, 500, 750, 1000], checkedAt.Select(t => (int)t.TotalMilliseconds));
    }

    [Fact]
    public async Task A_condition_that_gives_up_throws_its_own_error()
    {
        var error = await Assert.ThrowsAsync<RunnerException>(() =>
            Wait.UntilAsync(() => throw new RunnerException("the server on h13 exited at start"), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100), new FakeTimeProvider()));
        Assert.Equal("the server on h13 exited at start", error.Message);
    }

    [Fact]
    public async Task Terminate_sends_SIGKILL_only_to_a_process_that_outlives_the_grace_period()
    {
        var time = new FakeTimeProvider();
        var log = new EventLog();
        var processes = new FakeProcessTable(log);
        var obedient = processes.Start("sleep", "1000");
        var stubborn = processes.Start("sleep", "2000");
        processes.IgnoringSigTerm.Add(stubborn);
        var start = time.GetUtcNow();

        await time.AdvanceUntilDoneAsync(processes.TerminateAsync([obedient, stubborn], TimeSpan.FromSeconds(3), time), TimeSpan.FromMilliseconds(50));

        Assert.Equal([$"signal {obedient} 15", $"signal {stubborn} 15", $"signal {stubborn} 9"], log.Entries);
        // The clock keeps stepping while continuations wait for a thread (a busy machine): the bound rules out waiting
        // again after SIGKILL (5 s), not a few steps of overshoot.
        Assert.InRange(time.GetUtcNow() - start, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(4));
        Assert.False(processes.IsAlive(stubborn));
    }

    [Fact]
    public void The_state_file_round_trips_and_is_stamped_by_its_clock()
    {
        var root = Directory.CreateTempSubdirectory("lbdeploy-state-").FullName;
        try
        {
            var time = new FakeTimeProvider(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
            var store = new DeployStateFile(new DeployPaths(root), time);
            Assert.Null(store.Load());
            var state = new DeployState
            {
                SpecPath = "/specs/lb.yaml",
                Target = "linux",
                Network = new Dictionary<string, int> { ["h1"] = 42 },
                Units = [new AppliedUnit { Kind = UnitKind.Mux, Host = "h1", Hash = "abc", Pid = 43, ControlSocket = "/s/h1-mux.sock" }],
            };

            store.Save(state);

            var loaded = store.Load()!;
            Assert.Equal(time.GetUtcNow(), loaded.UpdatedAt);
            Assert.Equal(("mux:h1", 43, "/s/h1-mux.sock"), (loaded.Units[0].Key, loaded.Units[0].Pid, loaded.Units[0].ControlSocket));
            Assert.Contains("\"kind\": \"mux\"", File.ReadAllText(Path.Combine(root, "deploy", "applied.json")));

            File.WriteAllText(store.Paths.StateFile, "{ not json");
            var error = Assert.Throws<RunnerException>(store.Load);
            Assert.StartsWith($"{store.Paths.StateFile} is not a valid deploy state (", error.Message);
            Assert.EndsWith($"); delete {store.Paths.Directory} if nothing is deployed", error.Message);

            store.Delete();
            Assert.False(Directory.Exists(store.Paths.Directory));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
