using System.Collections.Frozen;
using System.Collections.Immutable;
using Lbdeploy.Common;
using YamlDotNet.RepresentationModel;

namespace Lbdeploy.Spec;

/// <summary>
/// Reads an Ansible YAML inventory (<c>all: { hosts, children, vars }</c>, groups nested under <c>children</c>) and
/// resolves the machine of each node lbdeploy needs, with Ansible's variable precedence: group vars by group depth
/// (then group name), host vars last. Other variables and hosts are left alone (an inventory serves playbooks too);
/// a misspelt <c>lbdeploy_</c> variable, a structure Ansible would not read, a template lbdeploy cannot expand and
/// every bad value are located errors, all reported at once.
/// </summary>
public static class InventoryReader
{
    private static readonly string[] GroupKeys = ["hosts", "children", "vars"];

    private static readonly SpecReader.YamlDocumentKind Document =
        new("the inventory", "an inventory needs a few lines per machine", "map each node under all.hosts (see README.md, Real machines)", "keep one inventory per file",
            "an inventory needs at most a few levels of groups", "an inventory needs a few per machine");

    /// <param name="path">The inventory file.</param>
    /// <param name="displayPath">How messages name it.</param>
    /// <param name="nodes">The nodes the deployment acts on: each must have a machine.</param>
    /// <exception cref="InputFileException">The file cannot be read (the caller locates it at lb.yaml's inventory key).</exception>
    public static InventoryReadResult Read(string path, string displayPath, IReadOnlyList<InventoryNode> nodes)
    {
        var text = InputFiles.ReadText(path, InputLimits.MaxSpecBytes, "fix the inventory: path in lb.yaml (relative to lb.yaml)");
        return Parse(text, Path.GetFullPath(path), TerminalText.Escape(displayPath), nodes);
    }

    /// <summary>Reads inventory text as if it were the file <paramref name="path"/> (relative key files resolve next to it).</summary>
    public static InventoryReadResult Parse(string yaml, string path, string displayPath, IReadOnlyList<InventoryNode> nodes)
    {
        var fields = new YamlFields(displayPath);
        var root = SpecReader.LoadDocument(yaml, fields, Document);
        Inventory? inventory = null;
        if (root is not null)
        {
            var tree = new GroupTree(fields);
            if (tree.ReadRoot(root))
            {
                var resolver = new InventoryValues(fields, Path.GetDirectoryName(path)!);
                var hosts = new Dictionary<string, InventoryHost>(StringComparer.Ordinal);
                var missing = new List<string>();
                foreach (var node in nodes)
                {
                    if (!tree.HasHost(node.Name))
                    {
                        missing.Add(node.Name);
                        continue;
                    }
                    if (resolver.Resolve(node, tree.VariablesOf(node.Name)) is { } host) hosts[node.Name] = host;
                }
                if (missing.Count > 0)
                {
                    var names = missing.Count <= 8 ? string.Join(", ", missing) : $"{string.Join(", ", missing.Take(8))} and {missing.Count - 8} more";
                    fields.Error(root, "", $"no machine for {names}: every node the deployment acts on needs one; add each under all.hosts with its {InventoryVariables.Address}");
                }
                resolver.CheckDistinctMachines(hosts.Values);
                inventory = new Inventory(path, displayPath, hosts.ToFrozenDictionary(StringComparer.Ordinal));
            }
        }
        var diagnostics = fields.Diagnostics.OrderBy(d => d.Location).ToImmutableArray();
        return new InventoryReadResult(diagnostics.Any(d => d.IsError) ? null : inventory, diagnostics);
    }

    /// <summary>
    /// The groups as written: each group's own variables, hosts and parents (a group written in two places is one
    /// group, as in Ansible). Top-level groups other than <c>all</c> are children of <c>all</c>.
    /// </summary>
    private sealed class GroupTree(YamlFields f)
    {
        private const string All = "all";

        private readonly Dictionary<string, Group> groups = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<Variable>> hostVariables = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<string>> hostGroups = new(StringComparer.Ordinal);
        private Dictionary<string, int>? depths;

        public bool ReadRoot(YamlNode root)
        {
            if (root is not YamlMappingNode mapping)
            {
                f.Error(root, "", $"expected an Ansible YAML inventory (a mapping such as all: {{ hosts: {{ h1: {{ {InventoryVariables.Address}: 192.0.2.1 }} }} }}), got {YamlFields.Describe(root)}");
                return false;
            }
            groups[All] = new Group();
            foreach (var (keyNode, value) in mapping.Children)
            {
                if (GroupName(keyNode, "") is not { } name) continue;
                ReadGroup(name, value, name, name == All ? null : All);
            }
            return Depths() is not null;
        }

        public bool HasHost(string host) => hostGroups.ContainsKey(host);

        /// <summary>The host's variables in the order Ansible applies them: later ones win.</summary>
        public IEnumerable<Variable> VariablesOf(string host)
        {
            var depth = Depths()!;
            var applicable = new HashSet<string>(StringComparer.Ordinal);
            var pending = new Stack<string>(hostGroups[host]);
            while (pending.TryPop(out var group))
            {
                if (!applicable.Add(group)) continue;
                foreach (var parent in groups[group].Parents) pending.Push(parent);
            }
            var ordered = applicable.OrderBy(g => depth[g]).ThenBy(g => g, StringComparer.Ordinal);
            return ordered.SelectMany(g => groups[g].Variables).Concat(hostVariables.GetValueOrDefault(host) ?? []);
        }

        private void ReadGroup(string name, YamlNode node, string path, string? parent)
        {
            var group = groups.TryGetValue(name, out var known) ? known : groups[name] = new Group();
            if (parent is not null) group.Parents.Add(parent);
            if (YamlFields.IsNull(node)) return;
            var fields = f.Mapping(node, path, GroupKeys, [], "hosts: { h1: }, children: { ... }, vars: { ... }");
            if (fields is null) return;
            if (YamlFields.Optional(fields, "vars") is { } vars) group.Variables.AddRange(ReadVariables(vars.Value, vars.Path));
            if (YamlFields.Optional(fields, "hosts") is { } hosts) ReadHosts(name, hosts);
            if (YamlFields.Optional(fields, "children") is { } children)
            {
                if (children.Value is not YamlMappingNode childMap)
                {
                    f.Error(children.Value, children.Path, $"expected a mapping of groups such as {{ muxes: {{ hosts: {{ h1: }} }} }}, got {YamlFields.Describe(children.Value)}");
                    return;
                }
                foreach (var (keyNode, value) in childMap.Children)
                {
                    if (GroupName(keyNode, children.Path) is not { } child) continue;
                    if (child == All)
                    {
                        f.Error(keyNode, YamlFields.Child(children.Path, child), "'all' is the root group and cannot be a child; rename this group");
                        continue;
                    }
                    ReadGroup(child, value, YamlFields.Child(children.Path, child), name);
                }
            }
        }

        private void ReadHosts(string group, Field hosts)
        {
            if (hosts.Value is not YamlMappingNode mapping)
            {
                f.Error(hosts.Value, hosts.Path, $"expected a mapping of hosts such as {{ h1: {{ {InventoryVariables.Address}: 192.0.2.1 }}, h2: }}, got {YamlFields.Describe(hosts.Value)}");
                return;
            }
            foreach (var (keyNode, value) in mapping.Children)
            {
                if (f.Text(keyNode, hosts.Path, "a host name") is not { } host) continue;
                var path = YamlFields.Child(hosts.Path, host);
                f.Track(path, value, keyNode);
                if (!hostGroups.TryGetValue(host, out var memberOf)) hostGroups[host] = memberOf = [];
                memberOf.Add(group);
                if (YamlFields.IsNull(value)) continue;
                var variables = hostVariables.TryGetValue(host, out var list) ? list : hostVariables[host] = [];
                variables.AddRange(ReadVariables(value, path));
            }
        }

        private List<Variable> ReadVariables(YamlNode node, string path)
        {
            if (node is not YamlMappingNode mapping)
            {
                f.Error(node, path, $"expected a mapping of variables such as {{ {InventoryVariables.User}: deploy }}, got {YamlFields.Describe(node)}");
                return [];
            }
            var variables = new List<Variable>();
            foreach (var (keyNode, value) in mapping.Children)
            {
                if (f.Text(keyNode, path, "a variable name") is not { } name) continue;
                var variablePath = YamlFields.Child(path, name);
                if (name.StartsWith(InventoryVariables.OwnPrefix, StringComparison.Ordinal) && !InventoryVariables.Own.Contains(name))
                {
                    var suggestion = Suggestions.Closest(name, InventoryVariables.Own);
                    f.Error(keyNode, variablePath, suggestion is not null
                        ? $"unknown variable {TerminalText.Quote(name)}; did you mean '{suggestion}'?"
                        : $"unknown variable {TerminalText.Quote(name)}; lbdeploy reads {string.Join(", ", InventoryVariables.Own)}");
                    continue;
                }
                f.Track(variablePath, value, keyNode);
                variables.Add(new Variable(name, variablePath, value));
            }
            return variables;
        }

        private string? GroupName(YamlNode keyNode, string parentPath)
        {
            if (keyNode is YamlScalarNode { Value: { Length: > 0 } name } && !YamlFields.IsNull(keyNode) && TerminalText.IndexOfControl(name) < 0) return name;
            f.Error(keyNode, parentPath, $"expected a group name such as all or muxes, got {YamlFields.Describe(keyNode)}");
            return null;
        }

        /// <summary>Each group's depth below all (its longest path, as Ansible counts); null after reporting a cycle.</summary>
        private Dictionary<string, int>? Depths()
        {
            if (depths is not null) return depths;
            var result = new Dictionary<string, int>(StringComparer.Ordinal);
            var visiting = new HashSet<string>(StringComparer.Ordinal);
            int? DepthOf(string group)
            {
                if (result.TryGetValue(group, out var known)) return known;
                if (!visiting.Add(group)) return null;
                var depth = 0;
                foreach (var parent in groups[group].Parents)
                {
                    if (DepthOf(parent) is not { } above) return null;
                    depth = Math.Max(depth, above + 1);
                }
                visiting.Remove(group);
                return result[group] = depth;
            }
            foreach (var group in groups.Keys)
            {
                if (DepthOf(group) is null)
                {
                    f.Error(SourceLocation.Start, "", $"the group {TerminalText.Quote(group)} is its own ancestor (through children); remove the loop");
                    return null;
                }
            }
            return depths = result;
        }

        private sealed class Group
        {
            public List<Variable> Variables { get; } = [];
            public HashSet<string> Parents { get; } = new(StringComparer.Ordinal);
        }
    }
}

/// <summary>One variable as written: its name, item path (for the location) and value node.</summary>
internal sealed record Variable(string Name, string Path, YamlNode Value);

/// <summary>What <see cref="InventoryReader"/> made of a file: the inventory (null on any error) and its problems.</summary>
public sealed record InventoryReadResult(Inventory? Inventory, ImmutableArray<SpecDiagnostic> Diagnostics);
