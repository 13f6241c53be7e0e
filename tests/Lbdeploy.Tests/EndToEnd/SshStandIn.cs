using System.Collections.Frozen;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Lbdeploy.Common;
using Lbdeploy.Nodes;
using Lbdeploy.Remote;
using Lbdeploy.Spec;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>
/// Real machines stood in for by a running testbed's nodes: a management network of the test's own (a namespace
/// lbmgmt-PID with a bridge, one veth into every node, 192.168.77.0/24), an sshd in every node with its own host key,
/// config, pid file and log in a temp folder, a client key generated for the test, a known_hosts and an Ansible
/// inventory giving each node its own lbdeploy_root. ssh runs inside the management namespace (a wrapper around `ip
/// netns exec`), so no packet leaves a namespace from the root one. Everything is removed by exact name and pid.
/// </summary>
internal sealed class SshStandIn : IAsyncDisposable
{
    private const string Subnet = "192.168.77";
    private const string BridgeAddress = Subnet + ".254";

    private readonly HostShell nodes;
    private readonly List<int> sshdPids = [];

    private SshStandIn(HostShell nodes, string directory, string namespaceName, IReadOnlyList<string> names)
    {
        this.nodes = nodes;
        Directory = directory;
        Namespace = namespaceName;
        Names = names;
    }

    public string Directory { get; }

    /// <summary>The management namespace: lbdeploy and ssh run in it.</summary>
    public string Namespace { get; }

    public IReadOnlyList<string> Names { get; }

    public string InventoryFile => Path.Combine(Directory, "hosts.yml");

    public string KnownHosts => Path.Combine(Directory, "known_hosts");

    public string ClientKey => Path.Combine(Directory, "id_test");

    /// <summary>An ssh that runs inside the management namespace.</summary>
    public string SshProgram => Path.Combine(Directory, "ssh-in-mgmt");

    public string AddressOf(string node) => $"{Subnet}.{Names.ToList().IndexOf(node) + 1}";

    public string RootOf(string node) => Path.Combine(Directory, "root-" + node);

    public string SshdPidFile(string node) => Path.Combine(Directory, $"sshd-{node}.pid");

    public static async Task<SshStandIn> StartAsync(MininetNetwork network, IReadOnlyList<string> names)
    {
        var id = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var directory = System.IO.Directory.CreateTempSubdirectory("lbdeploy-ssh-standin-").FullName;
        var standIn = new SshStandIn(new HostShell(network), directory, "lbmgmt-" + id, names);
        try
        {
            await standIn.BuildAsync(network);
            return standIn;
        }
        catch
        {
            await standIn.DisposeAsync();
            throw;
        }
    }

    private async Task BuildAsync(MininetNetwork network)
    {
        await RunAsync("ip", "netns", "add", Namespace);
        await RunAsync("ip", "-n", Namespace, "link", "set", "lo", "up");
        await RunAsync("ip", "-n", Namespace, "link", "add", "br0", "type", "bridge");
        await RunAsync("ip", "-n", Namespace, "addr", "add", BridgeAddress + "/24", "dev", "br0");
        await RunAsync("ip", "-n", Namespace, "link", "set", "br0", "up");
        await RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "lbdeploy-test", "-f", ClientKey);
        File.Copy(ClientKey + ".pub", Path.Combine(Directory, "authorized_keys"));
        System.IO.Directory.CreateDirectory("/run/sshd"); // sshd's privilege separation folder
        var knownHosts = new StringBuilder();
        var inventory = new StringBuilder("all:\n  vars:\n    ansible_user: root\n")
            .Append($"    ansible_ssh_private_key_file: {ClientKey}\n    lbdeploy_known_hosts: {KnownHosts}\n  hosts:\n");
        for (var i = 0; i < Names.Count; i++)
        {
            var node = Names[i];
            var address = AddressOf(node);
            var outside = $"mg{i}";
            await RunAsync("ip", "-n", Namespace, "link", "add", outside, "type", "veth", "peer", "name", "lbmgmt0", "netns", network.PidOf(node).ToString(CultureInfo.InvariantCulture));
            await RunAsync("ip", "-n", Namespace, "link", "set", outside, "master", "br0", "up");
            await nodes.RunCheckedAsync(node, $"ip addr add {address}/24 dev lbmgmt0 && ip link set lbmgmt0 up && ip link set lo up");
            var hostKey = Path.Combine(Directory, $"hostkey-{node}");
            await RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", node, "-f", hostKey);
            var config = Path.Combine(Directory, $"sshd-{node}.conf");
            File.WriteAllText(config, string.Join('\n',
                $"ListenAddress {address}", "Port 22", $"HostKey {hostKey}", $"PidFile {SshdPidFile(node)}",
                $"AuthorizedKeysFile {Path.Combine(Directory, "authorized_keys")}", "StrictModes no", "UsePAM no",
                "PermitRootLogin prohibit-password", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
                "MaxStartups 100", "MaxSessions 100", "") );
            await nodes.RunCheckedAsync(node, SshdCommand(node));
            knownHosts.Append(address).Append(' ').Append(string.Join(' ', File.ReadAllText(hostKey + ".pub").Split(' ').Take(2))).Append('\n');
            inventory.Append($"    {node}: {{ ansible_host: {address}, lbdeploy_root: {RootOf(node)} }}\n");
        }
        File.WriteAllText(KnownHosts, knownHosts.ToString());
        File.WriteAllText(InventoryFile, inventory.ToString());
        File.WriteAllText(SshProgram, $"#!/bin/sh\nexec ip netns exec {Namespace} ssh \"$@\"\n");
        File.SetUnixFileMode(SshProgram, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var node in Names) sshdPids.Add(await SshdPidAsync(node));
    }

    /// <summary>The pid sshd writes once it listens: the file may exist a moment before the number is in it.</summary>
    private async Task<int> SshdPidAsync(string node)
    {
        var file = SshdPidFile(node);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            if (File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return pid;
            if (DateTime.UtcNow > deadline) throw new InvalidOperationException($"{node}'s sshd wrote no pid to {file} within 10 s; see {Path.Combine(Directory, $"sshd-{node}.log")}");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// The node's sshd, in a mount namespace of its own where root's ~/.bashrc (if this machine has one) is an empty
    /// file: sshd runs every command through root's login shell, and bash reads ~/.bashrc for SSH commands, so a
    /// developer machine's (this one's runs `pyenv init`, ~0.6 s) would be paid on each of the test's thousands of
    /// commands. A stand-in machine has a stock root account; lbdeploy's own commands need nothing from it.
    /// </summary>
    private string SshdCommand(string node)
    {
        var sshd = $"/usr/sbin/sshd -f {Path.Combine(Directory, $"sshd-{node}.conf")} -E {Path.Combine(Directory, $"sshd-{node}.log")}";
        const string bashrc = "/root/.bashrc";
        if (!File.Exists(bashrc)) return sshd;
        var empty = Path.Combine(Directory, "empty-bashrc");
        if (!File.Exists(empty)) File.WriteAllText(empty, "");
        return $"unshare --mount --propagation private sh -c {ShellQuoting.Quote($"mount --bind {empty} {bashrc} && exec {sshd}")}";
    }

    /// <summary>Starts <paramref name="node"/>'s sshd again after <see cref="StopSshdAsync"/> (the machine's SSH is back).</summary>
    public async Task StartSshdAsync(string node)
    {
        File.Delete(SshdPidFile(node));
        await nodes.RunCheckedAsync(node, SshdCommand(node));
        sshdPids.Add(await SshdPidAsync(node));
    }

    /// <summary>The inventory, read for <see cref="Names"/> as lbdeploy reads it.</summary>
    public Inventory ReadInventory(IReadOnlyList<InventoryNode>? nodes = null)
    {
        var read = InventoryReader.Read(InventoryFile, InventoryFile, nodes ?? [.. Names.Select(n => new InventoryNode(n, null))]);
        Assert.True(read.Inventory is not null, string.Join('\n', read.Diagnostics));
        return read.Inventory!;
    }

    public SshShell Shell(Inventory inventory) => new(inventory, new SshSettings(SshProgram, Path.Combine(Directory, "control"), SshSettings.DefaultMaxSessions));

    /// <summary>Stops one node's sshd and ends the master connection to it (a machine whose SSH went away).</summary>
    public async Task StopSshdAsync(string node)
    {
        var pid = await SshdPidAsync(node);
        Processes.Signal(pid, Processes.SigTerm);
        await EndMasterAsync(node);
    }

    /// <summary>
    /// Ends the multiplexed master connection to <paramref name="node"/>: the next command connects afresh (and
    /// checks the host key again, which a live master does not).
    /// </summary>
    public Task EndMasterAsync(string node) => EndMasterAsync(node, Path.Combine(Directory, "control"));

    /// <summary>Like <see cref="EndMasterAsync(string)"/> for the master connections of another control folder (lbdeploy's own, in its state folder).</summary>
    public Task EndMasterAsync(string node, string controlDirectory) =>
        RunAsync(allowFailure: true, SshProgram, "-o", $"ControlPath={controlDirectory}/%C", "-O", "exit", "-l", "root", "-p", "22", AddressOf(node));

    public async ValueTask DisposeAsync()
    {
        // The master connections ssh keeps open (ControlPersist) are ended first, then the sshds, by their pids.
        if (File.Exists(SshProgram))
        {
            foreach (var node in Names) await EndMasterAsync(node);
        }
        foreach (var pid in sshdPids) Processes.Signal(pid, Processes.SigTerm);
        await RunAsync(allowFailure: true, "ip", "netns", "del", Namespace);
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }
    }

    private static Task RunAsync(params string[] argv) => RunAsync(false, argv);

    private static async Task RunAsync(bool allowFailure, params string[] argv)
    {
        var start = new ProcessStartInfo(argv[0]) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in argv.Skip(1)) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0 && !allowFailure) throw new InvalidOperationException($"{string.Join(' ', argv)} exited {process.ExitCode}: {error}");
    }
}
