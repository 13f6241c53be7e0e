using System.Text.Json;
using Lb.Core.Addressing;
using Lb.Core.Maglev;

namespace Lb.Core.Config;

/// <summary>
/// Strict loader for the engine config (engine/README.md): unknown keys, wrong types and invalid values are errors
/// naming the key path and the fix; all errors are reported together in one <see cref="EngineConfigException"/>.
/// </summary>
public static class EngineConfigLoader
{
    private static readonly string[] RootKeys =
        ["version", "role", "host", "interface", "address", "mac", "gateway", "mtu", "control_socket", "packet_io", "vips", "dips", "muxes", "hash", "connections", "health", "metrics"];

    public static EngineConfig Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EngineConfigException(path, [$"cannot read the file ({e.Message}); check the --config path"]);
        }
        return Parse(json, path);
    }

    public static EngineConfig Parse(string json, string source = "<config>")
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new EngineConfigException(source, [$"not valid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {FirstSentence(e.Message)}"]);
        }
        using (document)
        {
            var walker = new JsonWalker();
            var config = Read(document.RootElement, walker);
            if (config is not null) Validate(config, walker);
            if (walker.Errors.Count > 0 || config is null) throw new EngineConfigException(source, walker.Errors);
            return config;
        }
    }

    private static EngineConfig? Read(JsonElement root, JsonWalker w)
    {
        if (!w.Object(root, "", RootKeys)) return null;
        var version = w.Integer(root, "", "version", true, 1, int.MaxValue, "1");
        if (version is not null and not EngineConfig.CurrentVersion)
            w.Error("version", $"version {version} is not supported; this lbengine reads version {EngineConfig.CurrentVersion} (re-run lbdeploy plan with a matching lbdeploy)");
        var roleText = w.String(root, "", "role", true, "\"mux\"");
        EngineRole? role = roleText switch
        {
            null => null,
            "mux" => EngineRole.Mux,
            "agent" => EngineRole.Agent,
            _ => null,
        };
        if (roleText is not null && role is null) w.Error("role", $"'{roleText}' is not a role; use \"mux\" or \"agent\"");
        var host = w.String(root, "", "host", true, "\"h1\"");
        var iface = w.String(root, "", "interface", true, "\"h1-eth0\"");
        var address = w.Address(root, "", "address", true, "10.13.1.2");
        var mac = w.Mac(root, "", "mac");
        var gateway = ReadGateway(root, w);
        var mtu = w.Integer(root, "", "mtu", false, 576, 65535, "1500") ?? 1500;
        var controlSocket = w.String(root, "", "control_socket", true, "\"/run/lbdeploy/h1-mux.sock\"");
        var packetIoText = w.String(root, "", "packet_io", false, "\"ring\"");
        var packetIo = packetIoText is null ? PacketIoKind.Ring : PacketIoNames.Parse(packetIoText);
        if (packetIo is null) w.Error("packet_io", $"'{packetIoText}' is not a packet I/O path; use \"ring\" (AF_PACKET rings, the default) or \"pcap\" (libpcap)");
        var vips = w.Array(root, "", "vips", true, "[{\"address\": \"20.0.0.1\", \"ports\": [{\"protocol\": \"tcp\", \"port\": 80}]}]")
            .Select(item => ReadVip(item.Item, item.Path, w)).ToList();
        var dips = w.Array(root, "", "dips", false, "[{\"name\": \"h13\", \"address\": \"10.19.13.2\", \"weight\": 1}]")
            .Select(item => ReadDip(item.Item, item.Path, w)).ToList();
        var muxes = w.Array(root, "", "muxes", false, "[{\"name\": \"h1\", \"address\": \"10.13.1.2\"}]")
            .Select(item => ReadMux(item.Item, item.Path, w)).ToList();
        var hash = ReadHash(root, w);
        var connections = ReadConnections(root, w);
        var health = ReadHealth(root, w);
        var metrics = ReadMetrics(root, w);

        if (role is null || host is null || iface is null || address is null || gateway is null || controlSocket is null
            || vips.Contains(null) || dips.Contains(null) || muxes.Contains(null))
            return null;
        return new EngineConfig
        {
            Version = (int)(version ?? EngineConfig.CurrentVersion),
            Role = role.Value,
            Host = host,
            Interface = iface,
            Address = address.Value,
            Mac = mac,
            Gateway = gateway,
            Mtu = (int)mtu,
            ControlSocket = controlSocket,
            PacketIo = packetIo ?? PacketIoKind.Ring,
            Vips = vips!,
            Dips = dips!,
            Muxes = muxes!,
            Hash = hash,
            Connections = connections,
            Health = health,
            Metrics = metrics,
        };
    }

    private static GatewayConfig? ReadGateway(JsonElement root, JsonWalker w)
    {
        if (w.Get(root, "", "gateway", true, "{\"address\": \"10.13.1.1\"}") is not { } element) return null;
        if (!w.Object(element, "gateway", "address", "mac")) return null;
        var address = w.Address(element, "gateway", "address", true, "10.13.1.1");
        var mac = w.Mac(element, "gateway", "mac");
        return address is null ? null : new GatewayConfig(address.Value, mac);
    }

    private static VipConfig? ReadVip(JsonElement element, string path, JsonWalker w)
    {
        if (!w.Object(element, path, "address", "ports", "icmp")) return null;
        var address = w.Address(element, path, "address", true, "20.0.0.1");
        var ports = w.Array(element, path, "ports", true, "[{\"protocol\": \"tcp\", \"port\": 80}]")
            .Select(item => ReadPort(item.Item, item.Path, w)).ToList();
        var icmp = w.Boolean(element, path, "icmp") ?? false;
        if (address is null || ports.Contains(null)) return null;
        return new VipConfig(address.Value, ports!, icmp);
    }

    private static VipPort? ReadPort(JsonElement element, string path, JsonWalker w)
    {
        if (!w.Object(element, path, "protocol", "port")) return null;
        var protocolText = w.String(element, path, "protocol", true, "\"tcp\"");
        TransportProtocol? protocol = protocolText switch
        {
            "tcp" => TransportProtocol.Tcp,
            "udp" => TransportProtocol.Udp,
            _ => null,
        };
        if (protocolText is not null && protocol is null) w.Error(JsonWalker.Child(path, "protocol"), $"'{protocolText}' is not supported; use \"tcp\" or \"udp\"");
        var port = w.Integer(element, path, "port", true, 1, 65535, "80");
        return protocol is null || port is null ? null : new VipPort(protocol.Value, (int)port);
    }

    private static DipConfig? ReadDip(JsonElement element, string path, JsonWalker w)
    {
        if (!w.Object(element, path, "name", "address", "weight")) return null;
        var name = w.String(element, path, "name", true, "\"h13\"");
        var address = w.Address(element, path, "address", true, "10.19.13.2");
        var weight = w.Integer(element, path, "weight", false, 0, 1000, "1") ?? 1;
        return name is null || address is null ? null : new DipConfig(name, address.Value, (int)weight);
    }

    private static MuxPeerConfig? ReadMux(JsonElement element, string path, JsonWalker w)
    {
        if (!w.Object(element, path, "name", "address")) return null;
        var name = w.String(element, path, "name", true, "\"h1\"");
        var address = w.Address(element, path, "address", true, "10.13.1.2");
        return name is null || address is null ? null : new MuxPeerConfig(name, address.Value);
    }

    private static HashConfig ReadHash(JsonElement root, JsonWalker w)
    {
        if (w.Get(root, "", "hash", false, "{}") is not { } element || !w.Object(element, "hash", "table_size", "seed")) return new HashConfig();
        var size = w.Integer(element, "hash", "table_size", false, 3, 16_777_259, "65537") ?? MaglevTable.DefaultSize;
        var seed = w.Integer(element, "hash", "seed", false, 0, uint.MaxValue, "0") ?? 0;
        return new HashConfig((int)size, (uint)seed);
    }

    private static ConnectionsConfig ReadConnections(JsonElement root, JsonWalker w)
    {
        if (w.Get(root, "", "connections", false, "{}") is not { } element || !w.Object(element, "connections", "capacity", "idle_timeout_seconds"))
            return new ConnectionsConfig();
        var capacity = w.Integer(element, "connections", "capacity", false, 8, 16_777_216, "65536") ?? 65536;
        var idle = w.Integer(element, "connections", "idle_timeout_seconds", false, 1, 86_400, "120") ?? 120;
        return new ConnectionsConfig((int)capacity, (int)idle);
    }

    private static HealthConfig? ReadHealth(JsonElement root, JsonWalker w)
    {
        if (w.Get(root, "", "health", false, "{}") is not { } element
            || !w.Object(element, "health", "interval_ms", "timeout_ms", "rise", "fall", "dead_after_ms", "port", "enabled"))
            return null;
        var defaults = new HealthConfig();
        var interval = w.Integer(element, "health", "interval_ms", false, 50, 60_000, "500") ?? defaults.IntervalMs;
        var timeout = w.Integer(element, "health", "timeout_ms", false, 10, 60_000, "300") ?? defaults.TimeoutMs;
        var rise = w.Integer(element, "health", "rise", false, 1, 100, "2") ?? defaults.Rise;
        var fall = w.Integer(element, "health", "fall", false, 1, 100, "2") ?? defaults.Fall;
        var deadAfter = w.Integer(element, "health", "dead_after_ms", false, 100, 600_000, "1500") ?? defaults.DeadAfterMs;
        var port = w.Integer(element, "health", "port", false, 1, 65535, "9199") ?? defaults.Port;
        var enabled = w.Boolean(element, "health", "enabled") ?? true;
        if (timeout >= interval)
            w.Error("health.timeout_ms", $"{timeout} must be shorter than interval_ms ({interval}); a probe has to finish before the next one, e.g. 300 with 500");
        if (deadAfter <= interval)
            w.Error("health.dead_after_ms", $"{deadAfter} must be longer than interval_ms ({interval}), or every late report marks the DIP down; use about 3 intervals, e.g. 1500 with 500");
        return new HealthConfig((int)interval, (int)timeout, (int)rise, (int)fall, (int)deadAfter, (int)port, enabled);
    }

    private static MetricsConfig? ReadMetrics(JsonElement root, JsonWalker w)
    {
        if (w.Get(root, "", "metrics", false, "{}") is not { } element || !w.Object(element, "metrics", "listen")) return null;
        var listen = w.String(element, "metrics", "listen", true, "\"127.0.0.1:9100\"");
        if (listen is null) return null;
        var colon = listen.LastIndexOf(':');
        if (colon > 0 && Ipv4Address.TryParse(listen[..colon], out var address)
            && int.TryParse(listen[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            && port is >= 1 and <= 65535)
            return new MetricsConfig(address, port);
        w.Error("metrics.listen", $"'{listen}' is not ADDRESS:PORT; write an IPv4 address and a port 1-65535, e.g. \"127.0.0.1:9100\" or \"0.0.0.0:9100\"");
        return null;
    }

    /// <summary>Cross-field rules, each error naming the item and the fix.</summary>
    private static void Validate(EngineConfig config, JsonWalker w)
    {
        if (!Primes.IsPrime(config.Hash.TableSize))
            w.Error("hash.table_size", $"{config.Hash.TableSize} is not prime; Maglev needs a prime size, e.g. {Primes.NextPrime(config.Hash.TableSize)} (or the default 65537)");
        if (config.Vips.Count == 0) w.Error("vips", "is empty; list at least one VIP");
        if (config.Vips.Count > EngineConfig.MaxVips)
            w.Error("vips", $"lists {config.Vips.Count} VIPs; one engine serves at most {EngineConfig.MaxVips}: split them over more muxes");

        var vipAddresses = new HashSet<Ipv4Address>();
        for (var i = 0; i < config.Vips.Count; i++)
        {
            var vip = config.Vips[i];
            if (!vipAddresses.Add(vip.Address)) w.Error($"vips[{i}].address", $"{vip.Address} is listed twice; list each VIP once");
            if (vip.Ports.Count == 0 && !vip.Icmp) w.Error($"vips[{i}].ports", "is empty and icmp is false: the VIP would serve nothing; add a port");
            var seen = new HashSet<VipPort>();
            for (var j = 0; j < vip.Ports.Count; j++)
                if (!seen.Add(vip.Ports[j]))
                    w.Error($"vips[{i}].ports[{j}]", $"{vip.Ports[j].Protocol.ToString().ToLowerInvariant()}/{vip.Ports[j].Port} is listed twice; remove the duplicate");
        }
        if (vipAddresses.Contains(config.Address)) w.Error("address", $"{config.Address} is also a VIP; use the host's own fabric address");
        if (vipAddresses.Contains(config.Gateway.Address)) w.Error("gateway.address", $"{config.Gateway.Address} is a VIP; use the host's default gateway");

        if (config.Role == EngineRole.Mux)
        {
            if (config.Dips.Count == 0) w.Error("dips", "a mux needs at least one DIP; add {\"name\": ..., \"address\": ...}");
            if (config.Dips.Count >= config.Hash.TableSize)
                w.Error("hash.table_size", $"{config.Hash.TableSize} must be larger than the number of DIPs ({config.Dips.Count}); use a prime >= 100x the DIP count");
            CheckUnique(config.Dips, "dips", d => d.Name, "name", w);
            CheckUnique(config.Dips, "dips", d => d.Address.ToString(), "address", w);
            for (var i = 0; i < config.Dips.Count; i++)
                if (vipAddresses.Contains(config.Dips[i].Address)) w.Error($"dips[{i}].address", $"{config.Dips[i].Address} is a VIP; use the server's own address");
        }
        else
        {
            if (config.Muxes.Count == 0) w.Error("muxes", "an agent needs at least one mux to accept packets from; add {\"name\": ..., \"address\": ...}");
            CheckUnique(config.Muxes, "muxes", m => m.Name, "name", w);
            CheckUnique(config.Muxes, "muxes", m => m.Address.ToString(), "address", w);
        }
    }

    private static void CheckUnique<T>(IReadOnlyList<T> items, string path, Func<T, string> field, string key, JsonWalker w)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
            if (!seen.Add(field(items[i])))
                w.Error($"{path}[{i}].{key}", $"'{field(items[i])}' appears twice; each {key} must be unique");
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". ", StringComparison.Ordinal);
        return cut < 0 ? message : message[..cut];
    }
}
