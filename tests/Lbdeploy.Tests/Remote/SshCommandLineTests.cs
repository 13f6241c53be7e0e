using Lbdeploy.Remote;
using Lbdeploy.Spec;

namespace Lbdeploy.Tests.Remote;

/// <summary>What lbdeploy asks of ssh: no prompt, no host key on trust, one connection per machine, sudo when not root.</summary>
public sealed class SshCommandLineTests
{
    private static readonly SshSettings Settings = new("ssh", "/run/lbdeploy/ssh", 8);

    private static readonly InventoryHost Deploy = new("h1", "192.0.2.11", "deploy", 2222, "/keys/id_ed25519", "/etc/lbdeploy/known_hosts", "h1-eth0", "/opt/lbdeploy");

    [Fact]
    public void The_argv_is_batch_strict_multiplexed_and_ends_the_options_before_the_destination()
    {
        Assert.Equal(
        [
            "-T", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=/etc/lbdeploy/known_hosts",
            "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3", "-o", "LogLevel=ERROR",
            "-p", "2222", "-l", "deploy",
            "-o", "ControlMaster=auto", "-o", "ControlPath=/run/lbdeploy/ssh/%C", "-o", "ControlPersist=60",
            "-i", "/keys/id_ed25519", "-o", "IdentitiesOnly=yes",
            "--", "192.0.2.11", "sudo -n /bin/sh -c 'ip -j addr'",
        ], SshCommandLine.For(Deploy, Settings, "ip -j addr"));
    }

    [Fact]
    public void Root_runs_without_sudo_and_with_the_users_own_keys_and_known_hosts()
    {
        var root = Deploy with { User = "root", KeyFile = null, KnownHostsFile = null };
        var argv = SshCommandLine.For(root, Settings, "echo 'it''s'");
        Assert.Equal("/bin/sh -c 'echo '\\''it'\\'''\\''s'\\'''", argv[^1]);
        Assert.DoesNotContain("-i", argv);
        Assert.Contains("UserKnownHostsFile=" + SshSettings.DefaultKnownHosts, argv);
    }

    [Fact]
    public void A_control_folder_too_long_for_the_socket_connects_each_command_on_its_own()
    {
        var settings = Settings with { ControlDirectory = "/" + new string('d', 60) };
        Assert.Equal(["-o", "ControlMaster=no", "-o", "ControlPath=none"], SshCommandLine.Multiplexing(settings));
    }
}
