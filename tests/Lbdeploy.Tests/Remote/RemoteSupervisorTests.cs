using Lbdeploy.Common;
using Lbdeploy.Nodes;
using Lbdeploy.Remote;
using Lbdeploy.Spec;

namespace Lbdeploy.Tests.Remote;

/// <summary>
/// Programs on a machine outlive the SSH session and start again when they fail: systemd-run where systemd runs the
/// machine (rendered here), lbdeploy's supervisor script elsewhere (run here, through the stand-in ssh: this machine
/// has no systemd).
/// </summary>
public sealed class RemoteSupervisorTests : IDisposable
{
    private readonly FakeSsh ssh = new("h1");

    public void Dispose() => ssh.Dispose();

    private static readonly InventoryHost Host = new("h1", "192.0.2.11", "root", 22, null, null, "h1-eth0", "/opt/lbdeploy");

    [Fact]
    public void The_systemd_unit_restarts_on_failure_and_logs_below_the_root()
    {
        var unit = RemoteSupervisor.UnitName(Host, "h1-mux");
        Assert.Matches("^lbdeploy-[0-9a-f]{8}-h1-mux$", unit);
        Assert.Equal(
        [
            "systemd-run", "--quiet", "--collect", "--unit=" + unit, "--description=lbdeploy h1-mux",
            "--property=Restart=on-failure", "--property=RestartSec=1",
            "--property=StandardOutput=append:/opt/lbdeploy/logs/h1-mux.log", "--property=StandardError=append:/opt/lbdeploy/logs/h1-mux.log",
            "/bin/sh", "-c", "exec /opt/lbdeploy/bin/lbengine mux --config /opt/lbdeploy/plan/h1-mux.json",
        ], RemoteSupervisor.SystemdRun(Host, "h1-mux", "/opt/lbdeploy/bin/lbengine mux --config /opt/lbdeploy/plan/h1-mux.json"));
        Assert.NotEqual(unit, RemoteSupervisor.UnitName(Host with { Root = "/srv/lb" }, "h1-mux"));
    }

    [Fact]
    public void The_start_line_picks_systemd_when_it_runs_the_machine()
    {
        var line = RemoteSupervisor.StartCommand(Host, "h1-server", "php -S 20.0.0.1:80 -t /srv/www");
        var unit = RemoteSupervisor.UnitName(Host, "h1-server");
        Assert.Equal(
            "mkdir -p /opt/lbdeploy/logs /opt/lbdeploy/run && if [ -d /run/systemd/system ]; then "
            + $"systemctl stop {unit} 2>/dev/null; systemctl reset-failed {unit} 2>/dev/null; "
            + $"systemd-run --quiet --collect --unit={unit} '--description=lbdeploy h1-server' --property=Restart=on-failure --property=RestartSec=1 "
            + "--property=StandardOutput=append:/opt/lbdeploy/logs/h1-server.log --property=StandardError=append:/opt/lbdeploy/logs/h1-server.log "
            + $"/bin/sh -c 'exec php -S 20.0.0.1:80 -t /srv/www' >/dev/null && systemctl show -p MainPID --value {unit}; "
            + "else /bin/sh /opt/lbdeploy/bin/supervise.sh start /opt/lbdeploy/run/h1-server.pid /opt/lbdeploy/logs/h1-server.log 'php -S 20.0.0.1:80 -t /srv/www'; fi",
            line);
    }

    [Fact]
    public async Task Without_systemd_the_supervisor_keeps_the_program_running_until_it_is_stopped()
    {
        var supervisor = new RemoteSupervisor(ssh.Shell);
        var processes = new RemoteProcesses(ssh.Shell);
        var pid = await supervisor.StartAsync("h1", "h1-agent", "sleep 300");
        try
        {
            var argv = await processes.CommandLineAsync("h1", pid);
            Assert.Equal(["/bin/sh", ssh.RootOf("h1") + "/bin/supervise.sh", "run"], argv.Take(3));
            Assert.Equal(pid.ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadAllText(ssh.RootOf("h1") + "/run/h1-agent.pid").Trim());
            // Its own session: the SSH session ending does not end it.
            Assert.Equal(pid, SessionOf(pid));

            await supervisor.StopAsync("h1", pid, TimeSpan.FromSeconds(2));
            Assert.False(await processes.IsAliveAsync("h1", pid));
            Assert.False(File.Exists(ssh.RootOf("h1") + "/run/h1-agent.pid"));
        }
        finally
        {
            Processes.Signal(pid, Processes.SigKill);
        }
    }

    [Fact]
    public async Task A_program_that_fails_is_started_again()
    {
        var supervisor = new RemoteSupervisor(ssh.Shell);
        var counter = Path.Combine(ssh.Directory, "starts");
        var pid = await supervisor.StartAsync("h1", "h1-server", $"/bin/sh -c 'echo x >> {counter}; exit 1'");
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while ((!File.Exists(counter) || File.ReadAllLines(counter).Length < 2) && DateTime.UtcNow < deadline) await Task.Delay(100);
            Assert.True(File.ReadAllLines(counter).Length >= 2, "the program was not started again");
            Assert.Contains("supervise: the program exited 1; starting it again in 1 s", File.ReadAllText(ssh.RootOf("h1") + "/logs/h1-server.log"));
        }
        finally
        {
            await supervisor.StopAsync("h1", pid, TimeSpan.FromSeconds(2));
            Processes.Signal(pid, Processes.SigKill);
        }
    }

    [Fact]
    public async Task The_supervisor_script_is_shipped_once()
    {
        var supervisor = new RemoteSupervisor(ssh.Shell);
        var first = await supervisor.StartAsync("h1", "h1-a", "sleep 300");
        var second = await supervisor.StartAsync("h1", "h1-b", "sleep 300");
        try
        {
            var copies = ssh.Calls.Count(argv => argv[^1].Contains("cat > ", StringComparison.Ordinal));
            Assert.Equal(1, copies);
        }
        finally
        {
            await supervisor.StopAsync("h1", first, TimeSpan.FromSeconds(2));
            await supervisor.StopAsync("h1", second, TimeSpan.FromSeconds(2));
            Processes.Signal(first, Processes.SigKill);
            Processes.Signal(second, Processes.SigKill);
        }
    }

    [Fact]
    public async Task Stopping_what_is_already_gone_is_no_error()
    {
        using var gone = System.Diagnostics.Process.Start("true")!;
        await gone.WaitForExitAsync();
        await new RemoteSupervisor(ssh.Shell).StopAsync("h1", gone.Id, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_program_that_ignores_term_goes_with_its_supervisor_after_the_grace()
    {
        var supervisor = new RemoteSupervisor(ssh.Shell);
        var pid = await supervisor.StartAsync("h1", "h1-agent", "/bin/sh -c 'trap \"\" TERM; sleep 300 & wait'");
        var program = new List<int>();
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while ((program = GroupOf(pid).Where(p => p != pid).ToList()).Count < 2 && DateTime.UtcNow < deadline) await Task.Delay(50);
            Assert.True(program.Count >= 2, "the program and its sleep did not start");
            await supervisor.StopAsync("h1", pid, TimeSpan.FromSeconds(1));
            Assert.Empty(GroupOf(pid));
            Assert.All(program, p => Assert.False(Processes.IsAlive(p), $"pid {p} of the program outlived its supervisor"));
        }
        finally
        {
            foreach (var p in program.Append(pid)) Processes.Signal(p, Processes.SigKill);
        }
    }

    [Fact]
    public async Task A_machine_that_cannot_be_reached_is_an_error_naming_the_machine()
    {
        ssh.FailWith("ssh: connect to host 192.0.2.1 port 22: Connection refused");
        var failure = await Assert.ThrowsAnyAsync<RunnerException>(() => new RemoteSupervisor(ssh.Shell).StopAsync("h1", 4242, TimeSpan.FromSeconds(1)));
        Assert.StartsWith("h1 (deploy@192.0.2.1:22): ", failure.Message);
    }

    /// <summary>The live (not zombie) processes whose process group is <paramref name="leader"/>.</summary>
    private static List<int> GroupOf(int leader)
    {
        var members = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var p)) continue;
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); }
            catch (IOException) { continue; }
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields[0] != "Z" && fields[2] == leader.ToString(System.Globalization.CultureInfo.InvariantCulture)) members.Add(p);
        }
        return members;
    }

    private static int SessionOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[3]);
    }
}
