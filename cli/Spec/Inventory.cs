using System.Collections.Frozen;
using System.Collections.Immutable;

namespace Lbdeploy.Spec;

/// <summary>
/// The machines a deployment runs on when it leaves the testbed: every node of the topology the plan acts on, mapped
/// to a real Linux machine lbdeploy reaches with the system's OpenSSH client. Read from an Ansible YAML inventory by
/// <see cref="InventoryReader"/>; every value is checked and every default applied.
/// </summary>
/// <param name="Path">The inventory file (absolute).</param>
/// <param name="DisplayPath">How messages name it.</param>
/// <param name="Hosts">Node name -> its machine, for exactly the nodes the reader was asked about.</param>
public sealed record Inventory(string Path, string DisplayPath, FrozenDictionary<string, InventoryHost> Hosts)
{
    public InventoryHost HostOf(string node) =>
        Hosts.TryGetValue(node, out var host)
            ? host
            : throw new Common.RunnerException($"node {node} has no machine in the inventory {DisplayPath}; add it under all.hosts with its ansible_host");
}

/// <summary>One node's machine, as ssh reaches it.</summary>
/// <param name="Node">The topology node it runs.</param>
/// <param name="Address">ansible_host: a DNS name or an IP address (the node name when not given).</param>
/// <param name="User">ansible_user (the local user when not given, as ssh and Ansible do).</param>
/// <param name="Port">ansible_port.</param>
/// <param name="KeyFile">ansible_ssh_private_key_file (absolute), or null for ssh's own identities.</param>
/// <param name="KnownHostsFile">lbdeploy_known_hosts (absolute), or null for the user's ~/.ssh/known_hosts.</param>
/// <param name="Interface">lbdeploy_interface: the interface facing the fabric (a host's; null for a switch or when not given).</param>
/// <param name="Root">lbdeploy_root: the folder lbdeploy owns on that machine (engine, configs, logs, pid files).</param>
public sealed record InventoryHost(string Node, string Address, string User, int Port, string? KeyFile, string? KnownHostsFile, string? Interface, string Root)
{
    /// <summary>Commands that need root run under `sudo -n` (no password prompt: a batch run cannot answer one).</summary>
    public bool NeedsSudo => User != "root";

    /// <summary>How messages name the machine: <c>h1 (deploy@192.168.50.11:22)</c>.</summary>
    public string Label => $"{Node} ({User}@{Address}:{Port})";
}

/// <summary>The variables lbdeploy reads from an inventory, their defaults and bounds (one definition each).</summary>
public static class InventoryVariables
{
    public const string Address = "ansible_host";
    public const string User = "ansible_user";
    public const string Port = "ansible_port";
    public const string KeyFile = "ansible_ssh_private_key_file";
    public const string Interface = "lbdeploy_interface";
    public const string Root = "lbdeploy_root";
    public const string KnownHosts = "lbdeploy_known_hosts";

    /// <summary>The variables of lbdeploy's own prefix: any other <c>lbdeploy_</c> name is a typo.</summary>
    public static readonly ImmutableArray<string> Own = [Interface, Root, KnownHosts];

    public const string OwnPrefix = "lbdeploy_";

    public const int DefaultPort = 22;

    public const string DefaultRoot = "/opt/lbdeploy";

    /// <summary>
    /// Longest lbdeploy_root: the engines' control sockets live below it as below a state folder
    /// (ROOT/sockets/NODE-agent.sock), so the state folder's bound holds.
    /// </summary>
    public const int MaxRootLength = Common.StateDirectories.MaxRootLength;

    /// <summary>Longest ansible_host (a DNS name's limit).</summary>
    public const int MaxAddressLength = 253;

    /// <summary>Longest ansible_user (Linux's user name limit).</summary>
    public const int MaxUserLength = 32;
}

/// <summary>A node the inventory must map, and the interface the topology gives it (null for a switch).</summary>
public sealed record InventoryNode(string Name, string? Interface);
