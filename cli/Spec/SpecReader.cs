using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using Lb.Core.Addressing;
using Lb.Core.Config;
using Lbdeploy.Bgp;
using Lbdeploy.Common;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using Lbdeploy.Rendering;

namespace Lbdeploy.Spec;

/// <summary>
/// Reads <c>lb.yaml</c> into an <see cref="LbSpec"/>, checking everything that needs no topology: shapes, types,
/// unknown keys, ranges, addresses, ports, durations, duplicate and conflicting host roles. Problems are collected,
/// not thrown, so the caller can add the topology checks and report everything at once. The ranges are the engine
/// config's (<see cref="EngineLimits"/>), so a valid spec renders valid configs; the rules that relate values of the
/// engine config (a prime table size, health timers) are lbengine's own validator's, run on the planned configs
/// (<see cref="EngineConfigs"/>).
/// </summary>
public static partial class SpecReader
{
    public static readonly ImmutableArray<string> RootKeys = ["topology", "inventory", "vip", "muxes", "dips", "clients", "switches", "bgp", "engine", "health", "servers", "verify"];
    private static readonly string[] VipKeys = ["address", "ports", "icmp"];
    private static readonly string[] PortKeys = ["port", "protocol"];
    private static readonly string[] DipKeys = ["host", "weight"];
    private static readonly string[] SwitchesKeys = ["target", "hash_seed"];
    private static readonly string[] EngineKeys = ["hash", "connections", "packet_io", "packet_threads", "second_chance"];
    private static readonly string[] SecondChanceKeys = ["enabled", "retention"];
    private static readonly string[] HashKeys = ["table_size", "seed"];
    private static readonly string[] ConnectionsKeys = ["capacity", "idle_timeout"];
    private static readonly string[] HealthKeys = ["enabled", "interval", "timeout", "rise", "fall", "dead_after", "port", "http"];
    private static readonly string[] HttpCheckKeys = ["path", "expect_status"];
    private static readonly string[] ServersKeys = ["command", "docroot"];
    private static readonly string[] VerifyKeys = ["path"];
    private static readonly string[] BgpKeys = ["asn_base", "bfd"];
    private static readonly string[] BfdKeys = ["interval", "multiplier"];

    /// <summary>Reads a spec file; <paramref name="displayPath"/> (default: the path as given) starts every message.</summary>
    public static SpecReadResult Read(string specPath, string? displayPath = null)
    {
        displayPath ??= specPath;
        string text;
        try
        {
            text = InputFiles.ReadText(specPath, InputLimits.MaxSpecBytes, "pass the spec file with -f");
        }
        catch (InputFileException e)
        {
            throw new SpecException([new SpecDiagnostic(TerminalText.Escape(displayPath), new SourceLocation(e.Line, 1), "", $"cannot read the spec: {e.Message}")]);
        }
        return Parse(text, Path.GetFullPath(specPath), displayPath);
    }

    /// <summary>Reads spec text as if it were the file <paramref name="specPath"/> (relative paths resolve next to it).</summary>
    public static SpecReadResult Parse(string yaml, string specPath, string displayPath)
    {
        displayPath = TerminalText.Escape(displayPath);
        var fields = new YamlFields(displayPath);
        var root = LoadDocument(yaml, fields, SpecDocument);
        var spec = root is null ? null : ReadRoot(root, specPath, displayPath, fields);
        var diagnostics = fields.Diagnostics.OrderBy(d => d.Location).ToImmutableArray();
        return new SpecReadResult(spec, diagnostics, new SpecSourceMap(displayPath, fields.Values, fields.Keys));
    }

    /// <summary>How <see cref="LoadDocument"/> names a kind of YAML file in its messages.</summary>
    /// <param name="Noun">"the spec", "the inventory".</param>
    /// <param name="SizeHint">How big such a file usually is ("a spec needs a few hundred").</param>
    /// <param name="EmptyFix">What to start an empty one from.</param>
    /// <param name="OnePerFile">"keep one spec per file".</param>
    /// <param name="NestingHint">How deep such a file nests ("lb.yaml needs at most 4").</param>
    /// <param name="ValuesHint">How many values such a file holds ("a spec needs a few dozen").</param>
    internal sealed record YamlDocumentKind(string Noun, string SizeHint, string EmptyFix, string OnePerFile, string NestingHint, string ValuesHint);

    private static readonly YamlDocumentKind SpecDocument =
        new("the spec", "a spec needs a few hundred", "start from the lb.yaml at the root of the repository", "keep one spec per file", "lb.yaml needs at most 4", "a spec needs a few dozen");

    /// <summary>
    /// The root node of a bounded YAML document (nesting, aliases and size guarded), every problem reported into
    /// <paramref name="fields"/>; null when there is no usable document. Shared by lb.yaml and the inventory it names.
    /// </summary>
    internal static YamlNode? LoadDocument(string yaml, YamlFields fields, YamlDocumentKind kind)
    {
        if (yaml.Length > InputLimits.MaxSpecBytes)
        {
            fields.Error(SourceLocation.Start, "", $"{kind.Noun} is {yaml.Length} characters, more than lbdeploy reads ({InputLimits.MaxSpecBytes}); {kind.SizeHint}");
            return null;
        }
        var stream = new YamlStream();
        try
        {
            stream.Load(new GuardedYamlParser(new Parser(new StringReader(yaml)), (mark, path, message) => fields.Error(Locate(mark), path, message), (kind.NestingHint, kind.ValuesHint)));
        }
        catch (YamlLimitException e)
        {
            fields.Error(Locate(e.Mark), "", e.Message);
            return null;
        }
        catch (YamlException e)
        {
            if (YamlErrors.LongKey(yaml, e) is { } longKey)
                fields.Error(longKey, "", "not valid YAML: a key longer than 1024 characters (YAML's limit for a plain key); shorten it");
            else if (YamlErrors.IsAtEnd(yaml, e) && YamlErrors.UnclosedFlow(yaml) is var (at, bracket))
                fields.Error(at, "", YamlErrors.Unclosed(bracket));
            else
                fields.Error(YamlErrors.Locate(yaml, e), "", YamlErrors.Describe(e));
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way when the text ends inside a flow collection ("[h1, h2"): point at
            // the bracket that was never closed, not at the end of the file.
            if (YamlErrors.UnclosedFlow(yaml) is var (location, bracket))
                fields.Error(location, "", YamlErrors.Unclosed(bracket));
            else
                fields.Error(YamlErrors.FirstFlowOpener(yaml) ?? SourceLocation.Start, "",
                    "not valid YAML: the parser stopped inside the [list] or {mapping} that starts here; write it on one line, or indent its continuation lines");
            return null;
        }
        if (stream.Documents.Count == 0 || YamlFields.IsNull(stream.Documents[0].RootNode))
        {
            if (!fields.Diagnostics.Any(d => d.IsError))
            {
                fields.Error(SourceLocation.Start, "", $"{kind.Noun} is empty; {kind.EmptyFix}");
            }
            return null;
        }
        if (stream.Documents.Count > 1)
        {
            fields.Error(stream.Documents[1].RootNode, "", $"more than one YAML document; {kind.OnePerFile}");
        }
        return stream.Documents[0].RootNode;
    }

    private static SourceLocation Locate(Mark mark) => new((int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column));

    private static LbSpec? ReadRoot(YamlNode root, string specPath, string displayPath, YamlFields f)
    {
        var top = f.Mapping(root, "", RootKeys, ["topology", "vip", "muxes", "dips"], "");
        if (top is null) return null;
        var baseDirectory = Path.GetDirectoryName(specPath)!;

        var topology = YamlFields.Optional(top, "topology") is { } topologyField ? f.Text(topologyField, "the path of a p4-utils app json or topology.json") : null;
        var inventory = YamlFields.Optional(top, "inventory") is { } inventoryField ? f.Text(inventoryField, "the path of an Ansible YAML inventory such as hosts.yml") : null;
        var vip = ReadVip(f, top);
        var muxes = ReadHostList(f, YamlFields.Optional(top, "muxes"), required: true);
        var dips = ReadDips(f, YamlFields.Optional(top, "dips"));
        ImmutableArray<string>? clients = YamlFields.Optional(top, "clients") is { } clientsField ? ReadHostList(f, clientsField, required: false) : null;
        var switches = YamlFields.Optional(top, "switches") is { } switchesField ? f.Mapping(switchesField.Value, switchesField.Path, SwitchesKeys, [], "target: linux") : null;
        var target = ReadTarget(f, switches);
        var bgp = ReadBgp(f, top, target);
        var fabricSeed = ReadFabricSeed(f, switches, target);
        var engine = ReadEngine(f, top, target);
        var health = ReadHealth(f, top);
        var servers = ReadServers(f, top, baseDirectory);
        var verify = ReadVerify(f, top);

        CheckRoles(f, muxes, dips, clients);

        return new LbSpec(
            specPath,
            displayPath,
            topology is null ? "" : Path.GetFullPath(Path.Combine(baseDirectory, topology)),
            topology ?? "",
            vip,
            muxes,
            dips,
            clients,
            target,
            engine,
            servers,
            verify,
            new SpecSourceMap(displayPath, f.Values, f.Keys))
        {
            Health = health,
            Bgp = bgp,
            FabricHashSeed = fabricSeed,
            InventoryPath = inventory is null ? null : Path.GetFullPath(Path.Combine(baseDirectory, inventory)),
            InventoryAsWritten = inventory,
        };
    }

    private static VipSpec ReadVip(YamlFields f, Dictionary<string, Field> top)
    {
        var field = YamlFields.Optional(top, "vip");
        var vip = field is null ? null : f.Mapping(field.Value, field.Path, VipKeys, ["address"], "address: 20.0.0.1");
        var address = default(Ipv4Address);
        if (YamlFields.Optional(vip, "address") is { } addressField && f.Text(addressField, "an IPv4 address such as 20.0.0.1") is { } text)
        {
            if (!Ipv4Address.TryParse(text, out address))
            {
                f.Error(addressField.Value, addressField.Path, $"{TerminalText.Quote(text)} is not an IPv4 address; write four numbers 0-255, e.g. 20.0.0.1");
            }
            else if (!IsUnicast(address))
            {
                f.Error(addressField.Value, addressField.Path, $"{address} is not a unicast address; use an ordinary address outside the fabric's subnets, e.g. 20.0.0.1");
            }
        }
        var ports = YamlFields.Optional(vip, "ports") is { } portsField ? ReadPorts(f, portsField) : [new PortSpec(80, TransportProtocol.Tcp)];
        var icmp = YamlFields.Optional(vip, "icmp") is { } icmpField ? f.Bool(icmpField) ?? true : true;
        return new VipSpec(address, ports, icmp);
    }

    private static bool IsUnicast(Ipv4Address address)
    {
        var first = address.Value >> 24;
        return address.Value != 0 && first != 0 && first != 127 && first < 224;
    }

    [GeneratedRegex(@"^(?<port>[0-9]+)(?:/(?<protocol>[A-Za-z]+))?$")]
    private static partial Regex PortPattern();

    private static ImmutableArray<PortSpec> ReadPorts(YamlFields f, Field field)
    {
        if (f.Sequence(field, "ports such as [80/tcp]") is not { } sequence) return [];
        var ports = new List<PortSpec>();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var node = sequence.Children[i];
            var path = YamlFields.Item(field.Path, i);
            f.Track(path, node);
            PortSpec? port = node switch
            {
                YamlMappingNode => ReadPortMapping(f, node, path),
                YamlScalarNode { Value: { } text } when !YamlFields.IsNull(node) => ReadPortText(f, node, path, text),
                _ => Invalid(f, node, path, $"expected a port such as 80/tcp or {{ port: 80, protocol: tcp }}, got {YamlFields.Describe(node)}"),
            };
            if (port is not null) ports.Add(port);
        }
        return [.. ports];
    }

    private static PortSpec? ReadPortText(YamlFields f, YamlNode node, string path, string text)
    {
        var match = PortPattern().Match(text);
        if (!match.Success)
        {
            return Invalid(f, node, path, $"{TerminalText.Quote(text)} is not a port; write PORT/PROTOCOL, e.g. 80/tcp or 53/udp");
        }
        var protocol = match.Groups["protocol"].Success ? match.Groups["protocol"].Value : "tcp";
        return CheckPort(f, node, path, match.Groups["port"].Value, protocol);
    }

    private static PortSpec? ReadPortMapping(YamlFields f, YamlNode node, string path)
    {
        var fields = f.Mapping(node, path, PortKeys, ["port"], "port: 80, protocol: tcp");
        var portField = YamlFields.Optional(fields, "port");
        if (portField is null) return null;
        var portText = f.Text(portField, "a port number 1-65535");
        var protocol = YamlFields.Optional(fields, "protocol") is { } protocolField ? f.Text(protocolField, "tcp or udp") : "tcp";
        if (portText is null || protocol is null) return null;
        return CheckPort(f, portField.Value, portField.Path, portText, protocol, YamlFields.Optional(fields, "protocol"));
    }

    private static PortSpec? CheckPort(YamlFields f, YamlNode node, string path, string portText, string protocol, Field? protocolField = null)
    {
        var ok = true;
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            f.Error(node, path, $"port {portText} is out of range; use 1-65535");
            ok = false;
        }
        var parsed = TransportProtocolNames.Parse(protocol.ToLowerInvariant());
        if (parsed is null)
        {
            f.Error(protocolField?.Value ?? node, protocolField?.Path ?? path, $"unknown protocol {TerminalText.Quote(protocol)}; use tcp or udp");
            ok = false;
        }
        return ok ? new PortSpec(port, parsed!.Value) : null;
    }

    private static PortSpec? Invalid(YamlFields f, YamlNode node, string path, string message)
    {
        f.Error(node, path, message);
        return null;
    }

    private static ImmutableArray<string> ReadHostList(YamlFields f, Field? field, bool required)
    {
        if (field is null) return [];
        if (f.Sequence(field, "host names such as [h1, h2]") is not { } sequence) return [];
        if (sequence.Children.Count == 0 && required)
        {
            f.Error(field.Value, field.Path, "the list is empty; name at least one host");
        }
        var hosts = new List<string>();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var path = YamlFields.Item(field.Path, i);
            f.Track(path, sequence.Children[i]);
            // "" stands for an entry already reported as invalid: it keeps the indexes of later entries right.
            hosts.Add(f.Text(sequence.Children[i], path, "a host name such as h1") ?? "");
        }
        return [.. hosts];
    }

    private static ImmutableArray<DipSpec> ReadDips(YamlFields f, Field? field)
    {
        if (field is null) return [];
        if (f.Sequence(field, "DIP hosts such as [h13, { host: h14, weight: 2 }]") is not { } sequence) return [];
        if (sequence.Children.Count == 0)
        {
            f.Error(field.Value, "dips", "no DIPs; list at least one server host, e.g. [h13, h14]");
        }
        var dips = new List<DipSpec>();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var node = sequence.Children[i];
            var path = YamlFields.Item("dips", i);
            f.Track(path, node);
            if (node is YamlMappingNode)
            {
                var fields = f.Mapping(node, path, DipKeys, ["host"], "host: h14, weight: 2");
                var host = YamlFields.Optional(fields, "host") is { } hostField ? f.Text(hostField, "a host name such as h13") : null;
                var weight = YamlFields.Optional(fields, "weight") is { } weightField
                    ? (int)(Integer(f, weightField, EngineLimits.Weight, "weight") ?? EngineDefaults.Weight)
                    : EngineDefaults.Weight;
                if (host is not null) f.Track(path, fields!["host"].Value);
                dips.Add(new DipSpec(host ?? "", weight));
            }
            else
            {
                var host = f.Text(node, path, "a host name such as h13, or { host: h14, weight: 2 }");
                dips.Add(new DipSpec(host ?? "", EngineDefaults.Weight));
            }
        }
        if (dips.Count > 0 && dips.All(d => d.Weight == 0) && !f.HasErrorAt("dips"))
        {
            f.Error(field.Value, "dips", "every DIP has weight 0 (drained); give at least one a positive weight");
        }
        return [.. dips];
    }

    private static SwitchTarget ReadTarget(YamlFields f, Dictionary<string, Field>? switches)
    {
        if (YamlFields.Optional(switches, "target") is not { } targetField) return SwitchTarget.Linux;
        if (f.Text(targetField, "linux, bmv2 or frr") is not { } text) return SwitchTarget.Linux;
        if (SwitchTargets.Parse(text) is { } target) return target;
        var suggestion = Suggestions.Closest(text, SwitchTargets.Names);
        f.Error(targetField.Value, targetField.Path, $"unknown target {TerminalText.Quote(text)}; use linux, bmv2 or frr{(suggestion is null ? "" : $" (did you mean '{suggestion}'?)")}");
        return SwitchTarget.Linux;
    }

    /// <summary>
    /// switches.hash_seed: the seed every Linux-router switch's multipath hash is derived from (1..2^32-1; the kernel
    /// reads 0 as "random", which would make the ECMP branch unpredictable). bmv2 switches do not use it.
    /// </summary>
    private static uint ReadFabricSeed(YamlFields f, Dictionary<string, Field>? switches, SwitchTarget target)
    {
        if (YamlFields.Optional(switches, "hash_seed") is not { } seedField) return LbSpec.DefaultFabricHashSeed;
        if (target == SwitchTarget.Bmv2)
        {
            f.Error(seedField.Key, seedField.Path, "hash_seed seeds the Linux routers' multipath hash and the bmv2 target has none; remove it or set switches.target: linux or frr");
            return LbSpec.DefaultFabricHashSeed;
        }
        return f.Integer(seedField, 1, uint.MaxValue, "hash_seed") is { } seed ? (uint)seed : LbSpec.DefaultFabricHashSeed;
    }

    /// <summary>
    /// The frr target's BGP settings: where the planned ASNs start (inside one private range) and the mux sessions'
    /// BFD timers, within FRR's bounds. Any of them with another target is a conflict: nothing would use them.
    /// </summary>
    private static BgpSettings ReadBgp(YamlFields f, Dictionary<string, Field> top, SwitchTarget target)
    {
        var defaults = BgpSettings.Default;
        if (!top.TryGetValue("bgp", out var field)) return defaults;
        if (target != SwitchTarget.Frr)
        {
            var which = f.Values.ContainsKey("switches.target") ? $"this spec's target is {target.Name()}" : $"switches.target is {target.Name()} by default";
            f.Error(field.Key, field.Path, $"BGP settings apply to switches.target: frr only, and {which}; remove the bgp section or set switches.target: frr");
            return defaults;
        }
        if (YamlFields.IsNull(field.Value)) return defaults;
        var bgp = f.Mapping(field.Value, field.Path, BgpKeys, [], $"asn_base: {BgpDefaults.AsnBase}, bfd: {{ interval: {BgpDefaults.BfdIntervalMilliseconds}ms, multiplier: {BgpDefaults.BfdMultiplier} }}");
        var asnBase = defaults.AsnBase;
        if (YamlFields.Optional(bgp, "asn_base") is { } asnField && f.Integer(asnField, 1, uint.MaxValue - 1, "asn_base") is { } asn)
        {
            if (BgpLimits.PrivateRangeOf((uint)asn) is null)
            {
                f.Error(asnField.Value, asnField.Path, $"{asn.ToString(CultureInfo.InvariantCulture)} is not a private ASN; use one inside {string.Join(" or ", BgpLimits.PrivateRanges)} (RFC 6996), e.g. {BgpDefaults.AsnBase}");
            }
            else
            {
                asnBase = (uint)asn;
            }
        }
        var bfd = YamlFields.Optional(bgp, "bfd") is { } bfdField
            ? f.Mapping(bfdField.Value, bfdField.Path, BfdKeys, [], $"interval: {BgpDefaults.BfdIntervalMilliseconds}ms, multiplier: {BgpDefaults.BfdMultiplier}")
            : null;
        var interval = defaults.Bfd.IntervalMilliseconds;
        if (YamlFields.Optional(bfd, "interval") is { } intervalField && f.Text(intervalField, "a duration such as 100ms") is { } intervalText)
        {
            var (min, max) = (TimeSpan.FromMilliseconds(BgpLimits.BfdIntervalMinMilliseconds), TimeSpan.FromMilliseconds(BgpLimits.BfdIntervalMaxMilliseconds));
            if (!Durations.TryParseFine(intervalText, out var value))
                f.Error(intervalField.Value, intervalField.Path, $"{TerminalText.Quote(intervalText)} is not a duration; write a number with a unit, e.g. 100ms or 0.3s (whole milliseconds)");
            else if (value < min || value > max)
                f.Error(intervalField.Value, intervalField.Path, $"interval {intervalText} is out of range; use {Durations.FormatFine(min)} to {Durations.FormatFine(max)} (FRR's BFD bounds)");
            else
                interval = (int)value.TotalMilliseconds;
        }
        var multiplier = defaults.Bfd.Multiplier;
        if (YamlFields.Optional(bfd, "multiplier") is { } multiplierField
            && f.Integer(multiplierField, BgpLimits.BfdMultiplierMin, BgpLimits.BfdMultiplierMax, "multiplier") is { } count)
        {
            multiplier = (int)count;
        }
        return new BgpSettings(asnBase, new BfdTimers(interval, multiplier));
    }

    private static EngineSpec ReadEngine(YamlFields f, Dictionary<string, Field> top, SwitchTarget target)
    {
        var engine = YamlFields.Optional(top, "engine") is { } field ? f.Mapping(field.Value, field.Path, EngineKeys, [], $"hash: {{ table_size: {EngineDefaults.TableSize} }}") : null;
        var hash = YamlFields.Optional(engine, "hash") is { } hashField ? f.Mapping(hashField.Value, hashField.Path, HashKeys, [], $"table_size: {EngineDefaults.TableSize}, seed: {EngineDefaults.Seed}") : null;
        var connections = YamlFields.Optional(engine, "connections") is { } connField ? f.Mapping(connField.Value, connField.Path, ConnectionsKeys, [], $"capacity: {EngineDefaults.Capacity}, idle_timeout: {Durations.Format(TimeSpan.FromSeconds(EngineDefaults.IdleTimeoutSeconds))}") : null;

        var tableSize = HashSpec.Default.TableSize;
        if (YamlFields.Optional(hash, "table_size") is { } sizeField && Integer(f, sizeField, EngineLimits.TableSize, "table_size") is { } size)
        {
            tableSize = (int)size;
        }
        var seed = HashSpec.Default.Seed;
        if (YamlFields.Optional(hash, "seed") is { } seedField && Integer(f, seedField, EngineLimits.Seed, "seed") is { } seedValue)
        {
            seed = (uint)seedValue;
        }
        var capacity = ConnectionsSpec.Default.Capacity;
        if (YamlFields.Optional(connections, "capacity") is { } capacityField && Integer(f, capacityField, EngineLimits.Capacity, "capacity") is { } capacityValue)
        {
            capacity = (int)capacityValue;
        }
        var idle = ConnectionsSpec.Default.IdleTimeout;
        if (YamlFields.Optional(connections, "idle_timeout") is { } idleField && f.Text(idleField, "a duration such as 120s") is { } idleText)
        {
            if (!Durations.TryParse(idleText, out var parsed))
            {
                f.Error(idleField.Value, idleField.Path, $"{TerminalText.Quote(idleText)} is not a duration; write a number with a unit, e.g. 90s, 2m or 1h30m");
            }
            else if (!EngineLimits.IdleTimeoutSeconds.Contains((long)parsed.TotalSeconds))
            {
                f.Error(idleField.Value, idleField.Path, $"idle_timeout {idleText} is out of range; use {Durations.Format(TimeSpan.FromSeconds(EngineLimits.IdleTimeoutSeconds.Min))} to {Durations.Format(TimeSpan.FromSeconds(EngineLimits.IdleTimeoutSeconds.Max))}");
            }
            else
            {
                idle = parsed;
            }
        }
        var packetIo = EngineSpec.Default.PacketIo;
        if (YamlFields.Optional(engine, "packet_io") is { } ioField && f.Text(ioField, "ring, pcap or xdp") is { } ioText)
        {
            if (PacketIoNames.Parse(ioText) is { } kind)
            {
                packetIo = kind;
            }
            else
            {
                var suggestion = Suggestions.Closest(ioText, PacketIoNames.All);
                f.Error(ioField.Value, ioField.Path, $"unknown packet_io {TerminalText.Quote(ioText)}; use ring (AF_PACKET rings, the default), pcap (libpcap) or xdp (AF_XDP){(suggestion is null ? "" : $" (did you mean '{suggestion}'?)")}");
            }
        }
        var packetThreads = EngineSpec.Default.PacketThreads;
        if (YamlFields.Optional(engine, "packet_threads") is { } threadsField && Integer(f, threadsField, EngineLimits.PacketThreads, "packet_threads") is { } threads)
        {
            packetThreads = (int)threads;
            if (packetThreads > 1 && packetIo != PacketIoKind.Ring)
                f.Error(threadsField.Value, threadsField.Path, $"packet_threads {packetThreads} needs packet_io: ring (a fanout group of AF_PACKET rings); set packet_io: ring, or packet_threads: 1 with {packetIo.Name()}");
        }
        var secondChance = YamlFields.Optional(engine, "second_chance") is { } chanceField ? ReadSecondChance(f, chanceField, target) : SecondChanceSpec.Default;
        return new EngineSpec(new HashSpec(tableSize, seed), new ConnectionsSpec(capacity, idle), packetIo) { SecondChance = secondChance, PacketThreads = packetThreads };
    }

    /// <summary>engine.second_chance: { enabled, retention } (engine/README.md, "Second chance").</summary>
    private static SecondChanceSpec ReadSecondChance(YamlFields f, Field field, SwitchTarget target)
    {
        var defaults = SecondChanceSpec.Default;
        var chance = f.Mapping(field.Value, field.Path, SecondChanceKeys, [], $"enabled: true, retention: {Durations.Format(defaults.Retention)}");
        if (chance is null) return defaults;
        var enabledField = YamlFields.Optional(chance, "enabled");
        var enabled = enabledField is { } e ? f.Bool(e) ?? defaults.Enabled : defaults.Enabled;
        var retention = defaults.Retention;
        if (YamlFields.Optional(chance, "retention") is { } retentionField && f.Text(retentionField, "a duration such as 10m") is { } text)
        {
            var limit = EngineLimits.SecondChanceRetentionSeconds;
            if (!Durations.TryParse(text, out var parsed))
            {
                f.Error(retentionField.Value, retentionField.Path, $"{TerminalText.Quote(text)} is not a duration; write a number with a unit, e.g. 10m or 1h");
            }
            else if (!limit.Contains((long)parsed.TotalSeconds))
            {
                f.Error(retentionField.Value, retentionField.Path, $"retention {text} is out of range; use {Durations.Format(TimeSpan.FromSeconds(limit.Min))} to {Durations.Format(TimeSpan.FromSeconds(limit.Max))}");
            }
            else
            {
                retention = parsed;
            }
        }
        // p4/ecmp.p4 recomputes a 20-byte header's checksum: an outer header with the option would leave it wrong.
        if (enabled && target == SwitchTarget.Bmv2 && enabledField is { } located)
        {
            f.Error(located.Value, located.Path, "the second chance needs the linux or frr target: p4/ecmp.p4 checksums 20-byte IPv4 headers and the option makes the outer header longer; set switches.target: linux, or enabled: false");
        }
        return new SecondChanceSpec(enabled, retention);
    }

    private static long? Integer(YamlFields f, Field field, ConfigLimit limit, string what) => f.Integer(field, limit.Min, limit.Max, what);

    private static HealthSpec ReadHealth(YamlFields f, Dictionary<string, Field> top)
    {
        var defaults = HealthSpec.Default;
        var health = YamlFields.Optional(top, "health") is { } field
            ? f.Mapping(field.Value, field.Path, HealthKeys, [], $"interval: {Durations.FormatFine(defaults.Interval)}, timeout: {Durations.FormatFine(defaults.Timeout)}, " +
                $"rise: {defaults.Rise}, fall: {defaults.Fall}, dead_after: {Durations.FormatFine(defaults.DeadAfter)}")
            : null;
        if (health is null) return defaults;

        var enabled = YamlFields.Optional(health, "enabled") is { } enabledField ? f.Bool(enabledField) ?? defaults.Enabled : defaults.Enabled;
        TimeSpan Duration(string key, TimeSpan fallback, ConfigLimit milliseconds)
        {
            var (min, max) = (TimeSpan.FromMilliseconds(milliseconds.Min), TimeSpan.FromMilliseconds(milliseconds.Max));
            if (YamlFields.Optional(health, key) is not { } durationField || f.Text(durationField, "a duration such as 500ms or 1.5s") is not { } text) return fallback;
            if (!Durations.TryParseFine(text, out var value))
            {
                f.Error(durationField.Value, durationField.Path, $"{TerminalText.Quote(text)} is not a duration; write a number with a unit, e.g. 500ms, 1.5s or 2s (whole milliseconds)");
                return fallback;
            }
            if (value < min || value > max)
            {
                f.Error(durationField.Value, durationField.Path, $"{key} {text} is out of range; use {Durations.FormatFine(min)} to {Durations.FormatFine(max)}");
                return fallback;
            }
            return value;
        }
        var interval = Duration("interval", defaults.Interval, EngineLimits.HealthIntervalMs);
        var timeout = Duration("timeout", defaults.Timeout, EngineLimits.HealthTimeoutMs);
        var deadAfter = Duration("dead_after", defaults.DeadAfter, EngineLimits.HealthDeadAfterMs);
        int Count(string key, int fallback, ConfigLimit limit) =>
            YamlFields.Optional(health, key) is { } countField && Integer(f, countField, limit, key) is { } value ? (int)value : fallback;
        var rise = Count("rise", defaults.Rise, EngineLimits.HealthRise);
        var fall = Count("fall", defaults.Fall, EngineLimits.HealthFall);
        var port = Count("port", defaults.Port, EngineLimits.HealthPort);
        return new HealthSpec(enabled, interval, timeout, rise, fall, deadAfter, port) { Http = ReadHttpCheck(f, health) };
    }

    /// <summary>health.http: { path, expect_status }: an HTTP GET instead of a TCP connect.</summary>
    private static HttpHealthSpec? ReadHttpCheck(YamlFields f, Dictionary<string, Field> health)
    {
        if (YamlFields.Optional(health, "http") is not { } field) return null;
        var http = f.Mapping(field.Value, field.Path, HttpCheckKeys, ["path"], $"path: /healthz, expect_status: {EngineDefaults.HealthHttpStatus}");
        if (http is null) return null;
        var path = YamlFields.Optional(http, "path") is { } pathField ? f.Text(pathField, "a URL path such as /healthz") : null;
        if (path is not null && EngineLimits.UrlPathProblem(path) is { } problem)
        {
            f.Error(http["path"].Value, http["path"].Path, $"{TerminalText.Quote(path)} is not a request path: {problem}, e.g. /healthz");
            path = null;
        }
        var status = YamlFields.Optional(http, "expect_status") is { } statusField && Integer(f, statusField, EngineLimits.HealthHttpStatus, "expect_status") is { } value
            ? (int)value
            : EngineDefaults.HealthHttpStatus;
        return path is null ? null : new HttpHealthSpec(path, status);
    }

    [GeneratedRegex(@"\{([^{}\s]*)\}")]
    private static partial Regex PlaceholderPattern();

    private static ServersSpec ReadServers(YamlFields f, Dictionary<string, Field> top, string baseDirectory)
    {
        var servers = YamlFields.Optional(top, "servers") is { } field ? f.Mapping(field.Value, field.Path, ServersKeys, [], "command: ..., docroot: wwwroot") : null;
        var command = ServersSpec.DefaultCommand;
        if (YamlFields.Optional(servers, "command") is { } commandField && f.Text(commandField, "a command line") is { } text)
        {
            command = text;
            foreach (Match match in PlaceholderPattern().Matches(text))
            {
                var name = match.Groups[1].Value;
                if (ServersSpec.Placeholders.Contains(name)) continue;
                var suggestion = Suggestions.Closest(name, ServersSpec.Placeholders);
                f.Error(commandField.Value, commandField.Path,
                    $"unknown placeholder '{{{name}}}'; {(suggestion is null ? "" : $"did you mean '{{{suggestion}}}'? ")}(placeholders: {{vip}} {{docroot}} {{host}} {{port}})");
            }
        }
        var docroot = ServersSpec.DefaultDocRoot;
        if (YamlFields.Optional(servers, "docroot") is { } docrootField && f.Text(docrootField, "a directory path") is { } docrootText)
        {
            docroot = docrootText;
        }
        var absolute = Path.GetFullPath(Path.Combine(baseDirectory, docroot));
        if (!Directory.Exists(absolute))
        {
            var location = servers is not null && servers.TryGetValue("docroot", out var d) ? YamlFields.Locate(d.Value) : SourceLocation.Start;
            f.Error(location, "servers.docroot", $"directory {TerminalText.Quote(docroot)} does not exist (looked for {absolute}); create it or fix the path (relative to the spec)");
        }
        return new ServersSpec(command, absolute, docroot);
    }

    private static VerifySpec ReadVerify(YamlFields f, Dictionary<string, Field> top)
    {
        var verify = YamlFields.Optional(top, "verify") is { } field ? f.Mapping(field.Value, field.Path, VerifyKeys, [], "path: /index.html") : null;
        if (YamlFields.Optional(verify, "path") is not { } pathField || f.Text(pathField, "a URL path such as /index.html") is not { } path)
        {
            return new VerifySpec(VerifySpec.DefaultPath);
        }
        // The same rule as the health check's path: one definition of what a request path may be (Lb.Core.Config).
        if (EngineLimits.UrlPathProblem(path) is { } problem)
        {
            f.Error(pathField.Value, pathField.Path, $"{TerminalText.Quote(path)} is not a URL path: {problem}, e.g. /streaming.html");
        }
        return new VerifySpec(path);
    }

    /// <summary>A host plays one role: listed once, never both mux and DIP, and a client is neither.</summary>
    private static void CheckRoles(YamlFields f, ImmutableArray<string> muxes, ImmutableArray<DipSpec> dips, ImmutableArray<string>? clients)
    {
        var firstUse = new Dictionary<string, string>(StringComparer.Ordinal);
        void Check(string host, string path, string role)
        {
            if (host.Length == 0) return;
            if (firstUse.TryGetValue(host, out var earlier))
            {
                var earlierRole = earlier.StartsWith("muxes", StringComparison.Ordinal) ? "a mux" : earlier.StartsWith("dips", StringComparison.Ordinal) ? "a DIP" : "a client";
                var message = earlierRole == role
                    ? $"host {TerminalText.Quote(host)} is listed twice (also {earlier}); remove one"
                    : $"host {TerminalText.Quote(host)} is already {earlierRole} ({earlier}); a host plays one role: mux, DIP or client";
                f.Error(f.Values.TryGetValue(path, out var location) ? location : SourceLocation.Start, path, message);
                return;
            }
            firstUse[host] = path;
        }
        for (var i = 0; i < muxes.Length; i++) Check(muxes[i], YamlFields.Item("muxes", i), "a mux");
        for (var i = 0; i < dips.Length; i++) Check(dips[i].Host, YamlFields.Item("dips", i), "a DIP");
        if (clients is { } list)
        {
            for (var i = 0; i < list.Length; i++) Check(list[i], YamlFields.Item("clients", i), "a client");
        }
    }
}

/// <summary>What <see cref="SpecReader"/> made of a file: the spec (null when the file is not a YAML mapping) and its problems.</summary>
public sealed record SpecReadResult(LbSpec? Spec, ImmutableArray<SpecDiagnostic> Diagnostics, SpecSourceMap Source);
