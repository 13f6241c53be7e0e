using System.Text.RegularExpressions;
using Lbdeploy.Common;
using YamlDotNet.RepresentationModel;

namespace Lbdeploy.Spec;

/// <summary>
/// Turns a node's inventory variables into its <see cref="InventoryHost"/>: the value that wins (Ansible's order),
/// checked where it is written. A group variable shared by many hosts is checked and reported once. Everything that
/// reaches ssh's command line is held to a shape that cannot be read as an option (no leading '-') or a second word.
/// </summary>
internal sealed partial class InventoryValues(YamlFields f, string inventoryDirectory)
{
    private readonly Dictionary<string, object?> checkedValues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> originOf = new(StringComparer.Ordinal);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.:%-]*$")]
    private static partial Regex AddressPattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.-]*$")]
    private static partial Regex UserPattern();

    [GeneratedRegex(@"^(/[A-Za-z0-9_.-]+)+$")]
    private static partial Regex RootPattern();

    public InventoryHost? Resolve(InventoryNode node, IEnumerable<Variable> variables)
    {
        var winners = new Dictionary<string, Variable>(StringComparer.Ordinal);
        foreach (var variable in variables) winners[variable.Name] = variable;
        var errorsBefore = f.Diagnostics.Count(d => d.IsError);

        var address = Get(winners, InventoryVariables.Address, CheckAddress) ?? node.Name;
        var user = Get(winners, InventoryVariables.User, CheckUser) ?? Environment.UserName;
        var port = Get(winners, InventoryVariables.Port, (v, n) => f.Integer(n, v.Path, 1, 65535, InventoryVariables.Port) is { } p ? (int)p : (int?)null) ?? InventoryVariables.DefaultPort;
        var key = Get(winners, InventoryVariables.KeyFile, (v, n) => CheckFile(v, n, "a private key file such as ~/.ssh/id_ed25519", "generate one with ssh-keygen, or fix the path (relative to the inventory)"));
        var knownHosts = Get(winners, InventoryVariables.KnownHosts, (v, n) => CheckFile(v, n, "a known_hosts file", "record the machines' host keys there (ssh-keyscan, after checking the fingerprints), or fix the path (relative to the inventory)"));
        var root = Get(winners, InventoryVariables.Root, CheckRoot) ?? InventoryVariables.DefaultRoot;
        var interfaceName = Get(winners, InventoryVariables.Interface, CheckInterface);
        if (interfaceName is not null && winners.TryGetValue(InventoryVariables.Interface, out var interfaceVariable))
        {
            if (node.Interface is null)
            {
                f.Error(interfaceVariable.Value, interfaceVariable.Path, $"{node.Name} is a switch: its ports are the topology's interface names, so {InventoryVariables.Interface} means nothing there; remove it (or set it for hosts only)");
            }
            else if (node.Interface != interfaceName)
            {
                f.Error(interfaceVariable.Value, interfaceVariable.Path, $"{node.Name}'s fabric interface is {node.Interface} in the topology, not {interfaceName}: the plan's scripts and engine config name the topology's; rename the interface on the machine (ip link set {interfaceName} name {node.Interface}) or write the topology with the machine's names");
            }
        }
        if (f.Diagnostics.Count(d => d.IsError) != errorsBefore) return null;
        originOf[node.Name] = winners.TryGetValue(InventoryVariables.Address, out var a) ? a.Path : node.Name;
        return new InventoryHost(node.Name, address, user, port, key, knownHosts, node.Interface is null ? null : interfaceName ?? node.Interface, root);
    }

    /// <summary>Two nodes on one machine must not share a root: their files, sockets and pid files would collide.</summary>
    public void CheckDistinctMachines(IEnumerable<InventoryHost> hosts)
    {
        var seen = new Dictionary<(string, int, string), InventoryHost>();
        foreach (var host in hosts.OrderBy(h => h.Node, Topology.NaturalOrder.Instance))
        {
            if (seen.TryGetValue((host.Address, host.Port, host.Root), out var first))
            {
                var path = originOf[host.Node];
                f.Error(f.Values.TryGetValue(path, out var at) ? at : SourceLocation.Start, path,
                    $"{host.Node} and {first.Node} are the same machine ({host.Address}:{host.Port}) with the same {InventoryVariables.Root} {host.Root}; give each node its own {InventoryVariables.Root}");
                continue;
            }
            seen[(host.Address, host.Port, host.Root)] = host;
        }
    }

    /// <summary>The winning value of <paramref name="name"/>, checked once per place it is written; null when unset or bad.</summary>
    private T? Get<T>(Dictionary<string, Variable> winners, string name, Func<Variable, YamlNode, T?> check)
    {
        if (!winners.TryGetValue(name, out var variable) || YamlFields.IsNull(variable.Value)) return default;
        if (checkedValues.TryGetValue(variable.Path, out var known)) return (T?)known;
        T? value = default;
        if (variable.Value is YamlScalarNode { Value: { } text } && text.Contains("{{", StringComparison.Ordinal))
        {
            f.Error(variable.Value, variable.Path, $"{TerminalText.Quote(text)} is a Jinja template and lbdeploy does not expand templates; write the value itself");
        }
        else
        {
            value = check(variable, variable.Value);
        }
        checkedValues[variable.Path] = value;
        return value;
    }

    private string? CheckAddress(Variable variable, YamlNode node)
    {
        if (f.Text(node, variable.Path, "a DNS name or IP address") is not { } text) return null;
        if (text.Length <= InventoryVariables.MaxAddressLength && AddressPattern().IsMatch(text)) return text;
        f.Error(node, variable.Path, $"{TerminalText.Quote(text)} is not a host address; write a DNS name or an IP address (letters, digits, '.', ':', '-', at most {InventoryVariables.MaxAddressLength} characters), e.g. 192.0.2.11");
        return null;
    }

    private string? CheckUser(Variable variable, YamlNode node)
    {
        if (f.Text(node, variable.Path, "a user name") is not { } text) return null;
        if (text.Length <= InventoryVariables.MaxUserLength && UserPattern().IsMatch(text)) return text;
        f.Error(node, variable.Path, $"{TerminalText.Quote(text)} is not a user name; use letters, digits, '_', '.', '-', starting with a letter or '_', at most {InventoryVariables.MaxUserLength} characters");
        return null;
    }

    private string? CheckInterface(Variable variable, YamlNode node)
    {
        if (f.Text(node, variable.Path, "an interface name such as eth1") is not { } text) return null;
        if (Names.InterfaceProblem(text) is not { } problem) return text;
        f.Error(node, variable.Path, $"interface name {TerminalText.Quote(text)} is not usable: {problem}; use {Names.InterfaceRule}");
        return null;
    }

    private string? CheckRoot(Variable variable, YamlNode node)
    {
        if (f.Text(node, variable.Path, "an absolute folder such as /opt/lbdeploy") is not { } text) return null;
        var segments = text.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (RootPattern().IsMatch(text) && text.Length <= InventoryVariables.MaxRootLength && !segments.Any(s => s is "." or ".."))
        {
            return text;
        }
        f.Error(node, variable.Path, $"{TerminalText.Quote(text)} is not a folder lbdeploy can own; write an absolute path of letters, digits, '_', '.', '-' (no '..', not /), at most {InventoryVariables.MaxRootLength} characters, e.g. {InventoryVariables.DefaultRoot}");
        return null;
    }

    /// <summary>A local file named in the inventory: `~/` is the user's home, a relative path is relative to the inventory.</summary>
    private string? CheckFile(Variable variable, YamlNode node, string expected, string fix)
    {
        if (f.Text(node, variable.Path, expected) is not { } text) return null;
        var expanded = text.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), text[2..])
            : Path.Combine(inventoryDirectory, text);
        var full = Path.GetFullPath(expanded);
        if (File.Exists(full)) return full;
        f.Error(node, variable.Path, $"{TerminalText.Quote(text)} does not exist (looked for {TerminalText.Escape(full)}); {fix}");
        return null;
    }
}
