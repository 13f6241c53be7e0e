using Lbdeploy.Remote;

namespace Lbdeploy.Tests.Remote;

/// <summary>The SSH node shell against a stand-in ssh client (<see cref="FakeSsh"/>).</summary>
public sealed class SshShellTests : IDisposable
{
    private readonly FakeSsh ssh = new("h1", "h2");

    public void Dispose() => ssh.Dispose();

    [Fact]
    public async Task A_command_returns_its_own_exit_code_and_output()
    {
        var result = await ssh.Shell.RunAsync("h1", "echo out; echo err >&2; exit 3");
        Assert.Equal((3, "out\n", "err\n"), (result.ExitCode, result.StandardOutput, result.StandardError));
        var call = Assert.Single(ssh.Calls);
        Assert.Equal(["--", "192.0.2.1", "sudo -n /bin/sh -c 'echo out; echo err >&2; exit 3'"], call[^3..]);
        Assert.Contains("ControlPath=" + ssh.Settings.ControlDirectory + "/%C", call);
        Assert.True(Directory.Exists(ssh.Settings.ControlDirectory));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(ssh.Settings.ControlDirectory));
    }

    [Fact]
    public async Task An_ssh_failure_is_one_line_naming_the_machine()
    {
        ssh.FailWith("ssh: connect to host 192.0.2.2 port 22: Connection refused\n");
        var error = await Assert.ThrowsAsync<SshException>(() => ssh.Shell.RunAsync("h2", "true"));
        Assert.Equal("h2 (deploy@192.0.2.2:22): no SSH server answers on port 22 (Connection refused); start sshd on the machine, or fix ansible_host / ansible_port in the inventory", error.Message);
    }

    [Fact]
    public async Task A_node_without_a_machine_is_refused_before_ssh_runs()
    {
        var error = await Assert.ThrowsAsync<Lbdeploy.Common.RunnerException>(() => ssh.Shell.RunAsync("h9", "true"));
        Assert.Equal("node h9 has no machine in the inventory hosts.yml; add it under all.hosts with its ansible_host", error.Message);
        Assert.Empty(ssh.Calls);
    }

    [Fact]
    public async Task At_most_the_configured_number_of_sessions_run_at_once()
    {
        ssh.Slow(0.3);
        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => ssh.Shell.RunAsync(i % 2 == 0 ? "h1" : "h2", "true")));
        Assert.Equal(6, ssh.Calls.Count);
        Assert.Equal(2, ssh.MostAtOnce);
    }

    [Fact]
    public async Task A_command_that_outlives_its_timeout_reports_124()
    {
        var result = await ssh.Shell.RunAsync("h1", "sleep 5", TimeSpan.FromMilliseconds(300));
        Assert.Equal(124, result.ExitCode);
        Assert.Equal("timed out after 0.3 s (over ssh to h1 (deploy@192.0.2.1:22))", result.StandardError);
    }

    [Fact]
    public async Task A_missing_ssh_client_names_the_package()
    {
        var shell = new SshShell(ssh.Inventory, ssh.Settings with { Program = Path.Combine(ssh.Directory, "no-ssh") });
        var error = await Assert.ThrowsAsync<Lbdeploy.Common.RunnerException>(() => shell.RunAsync("h1", "true"));
        Assert.EndsWith("install OpenSSH's client (apt-get install openssh-client)", error.Message);
    }
}
