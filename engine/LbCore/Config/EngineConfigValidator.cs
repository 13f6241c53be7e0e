using System.Globalization;
using Lb.Core.Addressing;
using Lb.Core.Maglev;

namespace Lb.Core.Config;

/// <summary>
/// Every rule of the engine config that a well-formed document can still break: ranges (<see cref="EngineLimits"/>),
/// non-empty names, unique entries, VIPs that collide with other addresses, the Maglev table size, the health
/// timers. Reports every error with its JSON path. lbengine's loader runs it on each file it reads; lbdeploy runs it on
/// the configs it plans and points the errors at lb.yaml through a <see cref="ConfigDialect"/>.
/// </summary>
public static class EngineConfigValidator
{
    public static IReadOnlyList<ConfigError> Validate(EngineConfig config, ConfigDialect? dialect = null)
    {
        var rules = new Rules(dialect ?? ConfigDialect.Json);
        rules.Check(config);
        return rules.Errors;
    }

    private sealed class Rules(ConfigDialect dialect)
    {
        public List<ConfigError> Errors { get; } = [];

        private void Error(string path, string message, string? otherPath = null) => Errors.Add(new ConfigError(path, message, otherPath));

        private bool InRange(string path, long value, ConfigLimit limit)
        {
            if (limit.Contains(value)) return true;
            Error(path, string.Create(CultureInfo.InvariantCulture, $"{value} is out of range; use {limit}"));
            return false;
        }

        private void NotEmpty(string path, string value, string example)
        {
            if (string.IsNullOrWhiteSpace(value)) Error(path, $"is empty; write one, e.g. \"{example}\"");
        }

        public void Check(EngineConfig config)
        {
            var example = EngineConfigExample.Mux;
            if (config.Version != EngineConfig.CurrentVersion)
                Error("version", $"version {config.Version} is not supported; this lbengine reads version {EngineConfig.CurrentVersion} (re-run lbdeploy plan with a matching lbdeploy)");
            NotEmpty("host", config.Host, example.Host);
            NotEmpty("interface", config.Interface, example.Interface);
            NotEmpty("control_socket", config.ControlSocket, example.ControlSocket);
            InRange("mtu", config.Mtu, EngineLimits.Mtu);
            if (InRange("packet_threads", config.PacketThreads, EngineLimits.PacketThreads) && config.PacketThreads > 1)
            {
                if (config.Role != EngineRole.Mux)
                    Error("packet_threads", $"{config.PacketThreads} packet threads: only the mux runs more than one; set 1 for the agent");
                else if (config.PacketIo != PacketIoKind.Ring)
                    Error("packet_threads", $"{config.PacketThreads} packet threads need \"packet_io\": \"ring\" (a fanout group of AF_PACKET rings); set 1 for {config.PacketIo.Name()}", "packet_io");
            }

            var vips = CheckVips(config.Vips);
            if (vips.TryGetValue(config.Address, out var ownVip))
                Error("address", $"{config.Address} is also a VIP; use the host's own fabric address", ownVip);
            if (vips.TryGetValue(config.Gateway.Address, out var gatewayVip))
                Error("gateway.address", $"{config.Gateway.Address} is a VIP; use the host's default gateway", gatewayVip);

            CheckDips(config, vips);
            CheckMuxes(config);
            CheckHash(config);
            InRange("connections.capacity", config.Connections.Capacity, EngineLimits.Capacity);
            InRange("connections.idle_timeout_seconds", config.Connections.IdleTimeoutSeconds, EngineLimits.IdleTimeoutSeconds);
            if (config.Health is { } health) CheckHealth(health);
            if (config.SecondChance is { } secondChance) CheckSecondChance(config, secondChance, vips);
            if (config.Metrics is { } metrics && !EngineLimits.MetricsPort.Contains(metrics.Listen.Port))
                Error("metrics.listen", $"port {metrics.Listen.Port} is out of range; use {EngineLimits.MetricsPort}");
        }

        /// <summary>The VIPs' rules; returns each VIP address with the path of its first entry.</summary>
        private Dictionary<Ipv4Address, string> CheckVips(IReadOnlyList<VipConfig> vips)
        {
            if (vips.Count == 0) Error("vips", "is empty; list at least one VIP");
            if (vips.Count > EngineLimits.MaxVips)
                Error("vips", $"lists {vips.Count} VIPs; one engine serves at most {EngineLimits.MaxVips}: split them over more muxes");
            var addresses = new Dictionary<Ipv4Address, string>();
            for (var i = 0; i < vips.Count; i++)
            {
                var vip = vips[i];
                var path = $"vips[{i}]";
                if (!addresses.TryAdd(vip.Address, $"{path}.address"))
                    Error($"{path}.address", $"{vip.Address} is listed twice (also {dialect.Path(addresses[vip.Address])}); list each VIP once", addresses[vip.Address]);
                if (vip.Ports.Count == 0 && !vip.Icmp)
                    Error($"{path}.ports", $"the VIP serves nothing (no ports and {dialect.Key($"{path}.icmp")}: false); list at least one port, e.g. 80/tcp", $"{path}.icmp");
                var seen = new Dictionary<VipPort, int>();
                for (var j = 0; j < vip.Ports.Count; j++)
                {
                    var port = vip.Ports[j];
                    var portPath = $"{path}.ports[{j}]";
                    if (!InRange($"{portPath}.port", port.Port, EngineLimits.VipPort)) continue;
                    if (seen.TryAdd(port, j)) continue;
                    var first = $"{path}.ports[{seen[port]}]";
                    Error(portPath, $"port {port.Port}/{port.Protocol.Name()} is listed twice (also {dialect.Path(first)}); remove one", first);
                }
            }
            return addresses;
        }

        private void CheckDips(EngineConfig config, Dictionary<Ipv4Address, string> vips)
        {
            if (config.Role == EngineRole.Mux && config.Dips.Count == 0)
                Error("dips", "a mux needs at least one DIP; add {\"name\": ..., \"address\": ...}");
            for (var i = 0; i < config.Dips.Count; i++)
            {
                var dip = config.Dips[i];
                NotEmpty($"dips[{i}].name", dip.Name, "h13");
                InRange($"dips[{i}].weight", dip.Weight, EngineLimits.Weight);
                if (vips.TryGetValue(dip.Address, out var vip))
                    Error($"dips[{i}].address", $"{dip.Address} is a VIP; use the server's own address", vip);
            }
            Unique(config.Dips, "dips", d => d.Name, "name");
            Unique(config.Dips, "dips", d => d.Address.ToString(), "address");
        }

        private void CheckMuxes(EngineConfig config)
        {
            if (config.Role == EngineRole.Agent && config.Muxes.Count == 0)
                Error("muxes", "an agent needs at least one mux to accept packets from; add {\"name\": ..., \"address\": ...}");
            for (var i = 0; i < config.Muxes.Count; i++) NotEmpty($"muxes[{i}].name", config.Muxes[i].Name, "h1");
            Unique(config.Muxes, "muxes", m => m.Name, "name");
            Unique(config.Muxes, "muxes", m => m.Address.ToString(), "address");
        }

        private void Unique<T>(IReadOnlyList<T> items, string path, Func<T, string> field, string key)
        {
            var first = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < items.Count; i++)
            {
                var value = field(items[i]);
                if (first.TryAdd(value, i)) continue;
                var earlier = $"{path}[{first[value]}].{key}";
                Error($"{path}[{i}].{key}", $"'{value}' appears twice (also {dialect.Path(earlier)}); each {key} must be unique", earlier);
            }
        }

        private void CheckHash(EngineConfig config)
        {
            const string path = "hash.table_size";
            var size = config.Hash.TableSize;
            if (!InRange(path, size, EngineLimits.TableSize)) return;
            if (!Primes.IsPrime(size))
            {
                Error(path, $"{size} is not prime; Maglev needs a prime table size, e.g. {Primes.NextPrime(size)}");
            }
            else if (config.Role == EngineRole.Mux && size <= config.Dips.Count)
            {
                Error(path, $"{size} slots are too few for {config.Dips.Count} DIPs; use a prime at least 100 times the DIP count, e.g. {Primes.NextPrime(config.Dips.Count * 100L)}", "dips");
            }
        }

        private void CheckSecondChance(EngineConfig config, SecondChanceConfig secondChance, Dictionary<Ipv4Address, string> vips)
        {
            InRange("second_chance.retention_seconds", secondChance.RetentionSeconds, EngineLimits.SecondChanceRetentionSeconds);
            var peers = secondChance.Peers;
            for (var i = 0; i < peers.Count; i++)
            {
                var path = $"second_chance.peers[{i}]";
                NotEmpty($"{path}.name", peers[i].Name, "h14");
                if (peers[i].Address == config.Address)
                    Error($"{path}.address", $"{peers[i].Address} is this host's own address; list the other DIPs' agents", "address");
                else if (vips.TryGetValue(peers[i].Address, out var vip))
                    Error($"{path}.address", $"{peers[i].Address} is a VIP; use the other agent's own address", vip);
                else if (config.Muxes.Any(m => m.Address == peers[i].Address))
                    Error($"{path}.address", $"{peers[i].Address} is also a mux; a peer is another DIP's agent", "muxes");
            }
            Unique(peers, "second_chance.peers", p => p.Name, "name");
            Unique(peers, "second_chance.peers", p => p.Address.ToString(), "address");
        }

        private void CheckHealth(HealthConfig health)
        {
            const string interval = "health.interval_ms", timeout = "health.timeout_ms", deadAfter = "health.dead_after_ms";
            var intervalValid = InRange(interval, health.IntervalMs, EngineLimits.HealthIntervalMs);
            var timeoutValid = InRange(timeout, health.TimeoutMs, EngineLimits.HealthTimeoutMs);
            var deadAfterValid = InRange(deadAfter, health.DeadAfterMs, EngineLimits.HealthDeadAfterMs);
            InRange("health.rise", health.Rise, EngineLimits.HealthRise);
            InRange("health.fall", health.Fall, EngineLimits.HealthFall);
            InRange("health.port", health.Port, EngineLimits.HealthPort);
            if (health.Http is { } http)
            {
                if (http.Path is null) Error("health.http.path", "the HTTP check needs a path such as \"/healthz\"");
                else if (EngineLimits.UrlPathProblem(http.Path) is { } problem) Error("health.http.path", $"not a request path: {problem}, e.g. /healthz");
                InRange("health.http.expect_status", http.ExpectStatus, EngineLimits.HealthHttpStatus);
            }

            string Ms(long milliseconds) => dialect.Milliseconds(milliseconds);
            string Key(string path) => dialect.Key(path);
            if (intervalValid && timeoutValid && health.TimeoutMs >= health.IntervalMs)
                Error(timeout, $"{Key(timeout)} {Ms(health.TimeoutMs)} must be shorter than {Key(interval)} {Ms(health.IntervalMs)}: a probe ends before the next starts; " +
                    $"e.g. {Key(timeout)}: {Ms(EngineDefaults.HealthTimeoutMs)} with {Key(interval)}: {Ms(EngineDefaults.HealthIntervalMs)}", interval);
            if (intervalValid && deadAfterValid && health.DeadAfterMs <= health.IntervalMs)
                Error(deadAfter, $"{Key(deadAfter)} {Ms(health.DeadAfterMs)} must be longer than {Key(interval)} {Ms(health.IntervalMs)}, or one late report takes a DIP down; " +
                    $"use about 3 intervals, e.g. {Key(deadAfter)}: {Ms(EngineDefaults.HealthDeadAfterMs)} with {Key(interval)}: {Ms(EngineDefaults.HealthIntervalMs)}", interval);
        }
    }
}
