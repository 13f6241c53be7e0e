using Lbdeploy.Remote;
using Lbdeploy.Spec;

namespace Lbdeploy.Tests.Remote;

/// <summary>Each way ssh fails becomes one line naming the machine and the fix.</summary>
public sealed class SshFailureTests
{
    private static readonly InventoryHost Host = new("h1", "192.0.2.11", "deploy", 22, "/keys/id", "/k/known_hosts", "h1-eth0", "/opt/lbdeploy");

    public static TheoryData<string, int, string, string> Cases => new()
    {
        {
            "host key changed", 255,
            "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@@@@@@\nHost key verification failed.\n",
            "h1 (deploy@192.0.2.11:22): its host key changed since it was recorded in /k/known_hosts (ssh refuses: someone may be impersonating it); if the machine was reinstalled, check its new fingerprint, then `ssh-keygen -R 192.0.2.11 -f /k/known_hosts` and record the new key"
        },
        {
            "host key unknown", 255, "No ED25519 host key is known for 192.0.2.11 and you have requested strict checking.\nHost key verification failed.\n",
            "h1 (deploy@192.0.2.11:22): its host key is not in /k/known_hosts (Host key verification failed); check its fingerprint and record it (`ssh-keyscan -p 22 192.0.2.11 >> /k/known_hosts`), or name the right file with lbdeploy_known_hosts"
        },
        {
            "key refused", 255, "deploy@192.0.2.11: Permission denied (publickey).\n",
            "h1 (deploy@192.0.2.11:22): the machine refused the key (deploy@192.0.2.11: Permission denied (publickey).); add /keys/id.pub to ~deploy/.ssh/authorized_keys there, or fix ansible_user / ansible_ssh_private_key_file in the inventory"
        },
        {
            "no sshd", 255, "ssh: connect to host 192.0.2.11 port 22: Connection refused\n",
            "h1 (deploy@192.0.2.11:22): no SSH server answers on port 22 (Connection refused); start sshd on the machine, or fix ansible_host / ansible_port in the inventory"
        },
        {
            "host down", 255, "ssh: connect to host 192.0.2.11 port 22: Connection timed out\n",
            "h1 (deploy@192.0.2.11:22): the machine is unreachable (ssh: connect to host 192.0.2.11 port 22: Connection timed out); check that it is up and reachable from here (`ssh -p 22 deploy@192.0.2.11 true`)"
        },
        {
            "no route", 255, "ssh: connect to host 192.0.2.11 port 22: No route to host\n",
            "h1 (deploy@192.0.2.11:22): the machine is unreachable (ssh: connect to host 192.0.2.11 port 22: No route to host); check that it is up and reachable from here (`ssh -p 22 deploy@192.0.2.11 true`)"
        },
        {
            "name does not resolve", 255, "ssh: Could not resolve hostname 192.0.2.11: Name or service not known\n",
            "h1 (deploy@192.0.2.11:22): 192.0.2.11 does not resolve (ssh: Could not resolve hostname 192.0.2.11: Name or service not known); fix ansible_host in the inventory (a DNS name or an IP address)"
        },
        {
            "sudo wants a password", 1, "sudo: a password is required\n",
            "h1 (deploy@192.0.2.11:22): deploy may not run commands as root without a password (sudo: a password is required); allow it (`deploy ALL=(ALL) NOPASSWD: ALL` in /etc/sudoers.d/lbdeploy on that machine) or set ansible_user: root"
        },
        {
            "something else", 255, "kex_exchange_identification: read: Connection reset by peer\nmore\x1b[2J\n",
            "h1 (deploy@192.0.2.11:22): the machine is unreachable (more\\x1b[2J); check that it is up and reachable from here (`ssh -p 22 deploy@192.0.2.11 true`)"
        },
        {
            "unknown", 255, "",
            "h1 (deploy@192.0.2.11:22): ssh failed (exit 255, no message); try `ssh -p 22 deploy@192.0.2.11 true` by hand"
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_failure_is_one_line_with_the_fix(string name, int exitCode, string stderr, string expected)
    {
        _ = name;
        Assert.Equal(expected, SshFailure.Classify(Host, exitCode, stderr)?.Message);
    }

    [Fact]
    public void A_command_that_failed_on_its_own_is_not_an_ssh_failure()
    {
        Assert.Null(SshFailure.Classify(Host, 1, "ip: RTNETLINK answers: File exists\n"));
        Assert.Null(SshFailure.Classify(Host with { User = "root" }, 1, "sudo: a password is required\n"));
    }

    [Fact]
    public void A_port_other_than_22_is_named_in_the_known_hosts_fix()
    {
        var message = SshFailure.Classify(Host with { Port = 2222 }, 255, "WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!\n")!.Message;
        Assert.Contains("ssh-keygen -R [192.0.2.11]:2222 -f /k/known_hosts", message);
    }
}
