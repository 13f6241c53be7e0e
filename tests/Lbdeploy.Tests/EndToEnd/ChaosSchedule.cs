using Lbdeploy.Nodes;
using Lbdeploy.Runner;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>
/// The phases of a chaos run under load, back to back: each does its act (an apply, a kill), waits, and is recorded
/// with the fault time that opens its detection window. <see cref="Tail"/> closes the run.
/// </summary>
internal sealed class ChaosSchedule(DeployedService service)
{
    private DateTimeOffset _mark = DateTimeOffset.UtcNow;

    public List<LoadPhase> Phases { get; } = [];

    public LoadPhase this[string name] => Phases.Single(p => p.Name == name);

    /// <summary>Runs <paramref name="act"/> (it returns the fault time, if it is a fault), then lets the load run.</summary>
    public async Task Phase(string name, Func<Task<DateTimeOffset?>> act, double seconds)
    {
        var fault = await act();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var end = DateTimeOffset.UtcNow;
        Phases.Add(new LoadPhase(name, _mark, end, fault));
        _mark = end;
    }

    /// <summary>The rest of the load, after the last phase.</summary>
    public void Tail() => Phases.Add(new LoadPhase("tail", _mark, DateTimeOffset.UtcNow.AddSeconds(1)));

    public async Task Apply(string spec)
    {
        var apply = await service.RunAsync("apply", "-f", spec, "--auto-approve");
        Assert.True(apply.ExitCode == 0, apply.All);
    }

    /// <summary>SIGKILL to a unit's process; the fault time.</summary>
    public static DateTimeOffset Kill(UnitKind kind, string host)
    {
        var now = DateTimeOffset.UtcNow;
        Assert.True(Processes.Signal(DeployedService.Unit(kind, host).Pid!.Value, Processes.SigKill));
        return now;
    }
}
