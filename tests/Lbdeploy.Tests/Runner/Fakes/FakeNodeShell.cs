using Lbdeploy.Nodes;

namespace Lbdeploy.Tests.Runner.Fakes;

/// <summary>One command a node was asked to run; <see cref="Script"/> is what `sh FILE` would have run (the file then).</summary>
internal sealed record ShellCall(string Host, string Command, string? Script);

/// <summary>
/// The nodes of a network that exists only in the test: every command is recorded and answered by the newest
/// <see cref="Answer"/> rule that matches (else exit 0, no output); daemons become processes of the fake table.
/// </summary>
internal sealed class FakeNodeShell(MininetNetwork network, FakeProcessTable processes, EventLog log) : INodeShell
{
    private readonly Lock gate = new();
    private readonly List<Func<string, string, ShellResult?>> rules = [];
    private readonly List<ShellCall> calls = [];
    private readonly List<Func<string, string, bool>> diesAtStart = [];
    private Gathering? gathering;

    public MininetNetwork Network { get; } = network;

    /// <summary>Called with (host, command) for every daemon that starts and stays up (e.g. to create the sockets a real one would).</summary>
    public Action<string, string>? DaemonStarted { get; set; }

    public IReadOnlyList<ShellCall> Calls
    {
        get { lock (gate) return [.. calls]; }
    }

    /// <summary>Answers the commands <paramref name="rule"/> returns a result for (newer rules win).</summary>
    public void Answer(Func<string, string, ShellResult?> rule)
    {
        lock (gate) rules.Add(rule);
    }

    /// <summary>Fails every command run in <paramref name="host"/> that contains <paramref name="text"/>.</summary>
    public void Fail(string host, string text, string error) =>
        Answer((h, c) => h == host && c.Contains(text, StringComparison.Ordinal) ? new ShellResult(h, c, 2, "", error) : null);

    /// <summary>Daemons matching <paramref name="match"/> (host, command) exit as soon as they start.</summary>
    public void DieAtStart(Func<string, string, bool> match)
    {
        lock (gate) diesAtStart.Add(match);
    }

    /// <summary>
    /// Commands matching <paramref name="match"/> wait until <paramref name="count"/> of them run at the same time:
    /// only units run in parallel get through (one by one, the first waits in vain and fails).
    /// </summary>
    public void Gather(Func<string, string, bool> match, int count)
    {
        lock (gate) gathering = new Gathering(match, count);
    }

    public async Task<ShellResult> RunAsync(string host, string command, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var script = command.StartsWith("sh ", StringComparison.Ordinal) && command.Split(' ') is [_, var file] && File.Exists(file) ? File.ReadAllText(file) : null;
        Gathering? gather;
        Func<string, string, ShellResult?>[] answers;
        lock (gate)
        {
            calls.Add(new ShellCall(host, command, script));
            gather = gathering is { } g && g.Match(host, command) ? g : null;
            answers = [.. rules];
        }
        log.Add($"run {host}: {command}");
        if (gather is not null) await gather.ArriveAsync(host, command);
        for (var i = answers.Length - 1; i >= 0; i--)
        {
            if (answers[i](host, command) is { } answer) return answer;
        }
        return new ShellResult(host, command, 0, "", "");
    }

    public Task<int> StartDaemonAsync(string host, string command, string logFile, CancellationToken cancellationToken = default)
    {
        var pid = processes.Start("/bin/sh", "-c", "exec " + command);
        log.Add($"daemon {host}: {command} -> {pid}");
        bool dies;
        lock (gate) dies = diesAtStart.Any(m => m(host, command));
        if (dies) processes.Kill(pid);
        else DaemonStarted?.Invoke(host, command);
        // A started `lbengine gate` says it is ready in its log, as the real one does.
        if (!dies && command.Contains(" gate --socket ", StringComparison.Ordinal))
            File.AppendAllText(logFile, $"2026-01-01T00:00:00.000Z lbengine gate {host} info: ready: pid {pid}, announcing (fake)\n");
        return Task.FromResult(pid);
    }

    private sealed class Gathering(Func<string, string, bool> match, int count)
    {
        private readonly TaskCompletionSource all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int arrived;

        public Func<string, string, bool> Match { get; } = match;

        public async Task ArriveAsync(string host, string command)
        {
            if (Interlocked.Increment(ref arrived) == count) all.TrySetResult();
            try
            {
                await all.Task.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                throw new InvalidOperationException($"{host}: `{command}` waited for {count} like it to run at once, only {Volatile.Read(ref arrived)} came");
            }
        }
    }
}
