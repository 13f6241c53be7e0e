using Lb.Core.Addressing;
using Lb.Core.Config;
using Lb.Core.Flows;
using Lb.Core.Maglev;
using Lb.Core.Packets;
using Lb.Core.Stats;
using Lb.Engine.Control;
using Lb.Engine.Health;
using Lb.Engine.Policy;
using Lb.Engine.PacketIo;
using Lb.Engine.PacketIo.Xdp;
using Lb.Engine.Runtime;
using Lb.Engine.Roles;

namespace Lb.Engine.Mux;

/// <summary>
/// The mux process: an <see cref="IFramePath"/> (AF_PACKET rings by default, libpcap on request) captures the VIP
/// frames and feeds them to <see cref="MuxPacketHandler"/> on one packet thread, sending what it returns on the same
/// interface. Reload, drain and weight rebuild the <see cref="MuxState"/>; the connection table keeps established flows.
/// A link flap is ridden out: the path waits for its link (health says why meanwhile) and, once it is back, the
/// gateway's MAC is looked up again (the kernel forgot its neighbours; the peer may have been replaced).
/// </summary>
public sealed class MuxEngine : EngineBase, IFrameProcessor
{
    private readonly EngineCounters _counters = new();
    private readonly DipOverrides _overrides = new();
    private IFramePath? _path;
    private KernelIngressDrop? _kernelDrop;
    private MuxPacketHandler? _handler;
    private MacAddress _ownMac;
    private MacAddress _gatewayMac;
    private volatile bool _capturing;
    private DipHealthTracker? _health;
    private MuxHealthListener? _healthListener;
    private int _resolvingGateway;

    /// <summary>Lookups of the gateway's MAC after a flap before the mux keeps the one it had (each ARP waits 3 s).</summary>
    private const int GatewayAttempts = 3;

    public MuxEngine(string configPath, EngineConfig config, EngineLog log) : base(configPath, config, log)
    {
    }

    public override void Start()
    {
        var config = Config;
        _ownMac = config.Mac ?? HostEnvironment.InterfaceMac(config.Interface);
        if (HostEnvironment.ForwardingEnabled(config.Interface))
            Log.Warn($"IP forwarding is on for {config.Interface} in this namespace: the kernel will also route the VIP packets the mux captures; set net.ipv4.conf.{config.Interface}.forwarding=0");
        _gatewayMac = GatewayResolver.Resolve(config.Gateway.Address, config.Gateway.Mac, config.Address, _ownMac, config.Interface, Log);

        // The coarse clock: every packet reads it, and idle timeouts are seconds.
        var connections = new ConnectionTable(config.Connections.Capacity, TimeSpan.FromSeconds(config.Connections.IdleTimeoutSeconds), CoarseTimeProvider.Instance);
        if (config.HealthEnabled) _health = new DipHealthTracker(config.Health!, config.Dips, TimeProvider.System);
        var state = NewState(config, _ownMac, _gatewayMac, history: LoadHistory(config));
        _handler = new MuxPacketHandler(state, connections, _counters);

        _path = OpenPath(config);
        // After the path is open: its capture already sees the frames this rule keeps from the IP stack. The XDP
        // program takes VIP frames before the stack sees them: no rule needed.
        string? nftError = null;
        if (_path is not XdpFramePath)
            _kernelDrop = KernelIngressDrop.TryInstall("mux", config.Interface, KernelIngressDrop.VipRule(VipAddresses(config)), Log, out nftError);
        else
            KernelIngressDrop.RemoveStale("mux", config.Interface); // a ring-path mux killed here may have left its table
        if (_kernelDrop is null && nftError is not null)
            Log.Warn($"cannot install the nftables ingress drop for the VIPs on {config.Interface} ({nftError}); the mux works, but the host's IP stack also processes every VIP packet (apt-get install nftables)");
        _path.Link.Restored += OnLinkRestored;
        // Capturing before the thread starts: a path that fails at once must still reach Fail.
        _capturing = true;
        _path.Start(this, reason =>
        {
            if (!_capturing) return;
            _capturing = false;
            Fail($"{reason}; stopping");
        });
        if (_health is not null)
        {
            _healthListener = new MuxHealthListener(config.Address, _health, OnHealthChanged, Log, deaf: () => _path?.Link.IsDown == true);
            var h = config.Health!;
            Log.Info($"health checking: reports on udp {config.Address}:{h.Port}; a DIP is down on an unhealthy report or after {h.DeadAfterMs} ms of silence, up after {h.Rise} healthy report(s); every DIP starts up");
        }
        Log.Info($"mux started on {config.Interface} ({config.Address}, {_ownMac}) -> gateway {config.Gateway.Address} ({_gatewayMac}); " +
                 $"vips {string.Join(", ", config.Vips.Select(v => v.Address))}; dips {DescribeDips(state)}; {_path.Description}" +
                 (_kernelDrop is null ? "" : $"; VIP frames skip the host's IP stack (nft table netdev {_kernelDrop.Table})"));
    }

    private IFramePath OpenPath(EngineConfig config)
    {
        var vips = VipAddresses(config);
        if (config.PacketIo == PacketIoKind.Pcap) return new PcapFramePath(config.Interface, vips, MuxPacketHandler.OutputBufferSize, Log);
        var linkMtu = HostEnvironment.InterfaceMtu(config.Interface);
        if (linkMtu is { } mtu && mtu < config.Mtu)
            Log.Warn($"config mtu {config.Mtu} is larger than {config.Interface}'s MTU {mtu}: frames above {mtu} bytes will be dropped by the kernel; set \"mtu\": {mtu}");
        var frameMtu = Math.Max(config.Mtu, linkMtu ?? 0);
        if (config.PacketIo == PacketIoKind.Xdp)
        {
            try
            {
                return XdpFramePath.Open(config.Interface, frameMtu, MuxPacketHandler.OutputOverhead, vips, XdpTargetsFor, Log);
            }
            catch (XdpUnavailableException e)
            {
                Log.Warn($"AF_XDP path unavailable on {config.Interface} ({e.Message}); using AF_PACKET rings");
            }
        }
        var ring = PacketRing.Open(config.Interface, new PacketRingOptions { Mtu = frameMtu }, CaptureFilters.Vips(vips));
        return new RingFramePath(ring, ring, filter: CaptureFilters.Vips, Log);
    }

    /// <summary>What the XDP program steers to the mux: frames to a VIP, and from one (counted as DSR violations), as the ring's filter.</summary>
    private static IReadOnlyDictionary<uint, XdpMatch> XdpTargetsFor(IReadOnlyList<uint> vips) =>
        vips.Distinct().ToDictionary(vip => vip, _ => XdpMatch.Destination | XdpMatch.Source);

    private static uint[] VipAddresses(EngineConfig config) => config.Vips.Select(v => v.Address.Value).ToArray();

    /// <summary>The pcap filter equivalent to what either path captures (the ring runs the same test as classic BPF).</summary>
    public static string CaptureFilter(EngineConfig config) => PcapFramePath.Filter(VipAddresses(config));

    /// <summary>The packet thread: one captured frame in, the frame to send (if any) written to <paramref name="output"/>.</summary>
    public int Process(ReadOnlySpan<byte> frame, Span<byte> output)
    {
        var handler = _handler!;
        var verdict = handler.Handle(frame, output, out var length);
        if (Log.Verbose) Log.Trace(MuxPacketTrace.Describe(frame, verdict, handler.LastDrop, handler.LastDip?.Name));
        if (verdict == MuxVerdict.Drop) return 0;
        _counters.PacketsOut++;
        _counters.BytesOut += length;
        return length;
    }

    /// <summary>
    /// On the packet thread, the link is back: what was learned from it is looked up again off that thread (ARP may
    /// take seconds). A re-created interface also gets the nftables drop again (its hook went with the old device).
    /// </summary>
    private void OnLinkRestored(bool reopened)
    {
        if (Interlocked.Exchange(ref _resolvingGateway, 1) == 1) return;
        ThreadPool.QueueUserWorkItem(_ =>
        {
            try
            {
                RelearnLink(reopened);
            }
            catch (Exception e)
            {
                Log.Error($"after the link came back: {e.Message}");
            }
            finally
            {
                Volatile.Write(ref _resolvingGateway, 0);
            }
        });
    }

    private void RelearnLink(bool reopened)
    {
        var config = Config;
        if (reopened) _kernelDrop?.Update(KernelIngressDrop.VipRule(VipAddresses(config)));
        var ownMac = _ownMac;
        if (reopened && config.Mac is null)
        {
            try { ownMac = HostEnvironment.InterfaceMac(config.Interface); }
            catch (StartupException e) { Log.Warn($"{e.Message}; keeping {ownMac}"); }
        }
        var gatewayMac = config.Gateway.Mac;
        string? why = null;
        for (var attempt = 0; gatewayMac is null && attempt < GatewayAttempts && !_stopped; attempt++)
        {
            try { gatewayMac = GatewayResolver.Resolve(config.Gateway.Address, null, config.Address, ownMac, config.Interface, Log); }
            catch (Exception e) when (e is StartupException or SharpPcap.PcapException) { why = e.Message; }
        }
        if (gatewayMac is null)
            Log.Warn($"the gateway's MAC could not be looked up again after the link came back ({why}); still sending to {_gatewayMac}");
        lock (ReloadLock)
        {
            if (_stopped || (ownMac == _ownMac && (gatewayMac is null || gatewayMac == _gatewayMac))) return;
            if (gatewayMac is { } mac && mac != _gatewayMac) Log.Info($"gateway {Config.Gateway.Address} is now {mac} (was {_gatewayMac})");
            if (ownMac != _ownMac) Log.Info($"{Config.Interface} is now {ownMac} (was {_ownMac})");
            _ownMac = ownMac;
            _gatewayMac = gatewayMac ?? _gatewayMac;
            var handler = _handler!;
            Swap(NewState(Config, _ownMac, _gatewayMac, handler.State));
        }
    }

    /// <summary>Swaps in a new state (under the reload lock); a changed pool history is saved off the packet thread.</summary>
    private void Swap(MuxState next)
    {
        var handler = _handler!;
        var before = handler.State.History;
        handler.State = next;
        if (next.History is { } history && !ReferenceEquals(history, before)) SaveHistory(history);
    }

    private readonly object _saveLock = new();
    private PoolHistory? _historyToSave;

    /// <summary>Writes the newest history on a pool thread; saves queued meanwhile collapse into the last one.</summary>
    private void SaveHistory(PoolHistory history)
    {
        Volatile.Write(ref _historyToSave, history);
        ThreadPool.QueueUserWorkItem(_ =>
        {
            lock (_saveLock)
            {
                var latest = Interlocked.Exchange(ref _historyToSave, null);
                if (latest is null) return;
                var path = PoolHistoryFile.PathFor(Config.ControlSocket);
                try
                {
                    PoolHistoryFile.Write(path, latest);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    Log.Warn($"cannot save the pool history to {path} ({e.Message}); a restart of this mux will start without it");
                }
            }
        });
    }

    /// <summary>Mux start with the second chance on: the pool history a previous run saved, if it fits this config.</summary>
    private PoolHistory? LoadHistory(EngineConfig config)
    {
        if (config.SecondChance is not { Enabled: true } secondChance) return null;
        var path = PoolHistoryFile.PathFor(config.ControlSocket);
        try
        {
            var history = PoolHistoryFile.Read(path, config.Hash.TableSize, config.Hash.Seed, secondChance.Retention, TimeProvider.System, out var why);
            if (why is not null) Log.Warn($"pool history {path} ignored: {why}");
            else if (history is not null) Log.Info($"pool history: {history.Versions.Count} earlier pool(s) within {secondChance.RetentionSeconds} s read from {path}");
            return history;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.Warn($"cannot read the pool history {path} ({e.Message}); starting without it");
            return null;
        }
    }

    public void OnSendFailed()
    {
        _counters.PacketsOut--;
        if (_handler!.LastDip is not null) _counters.SendFailed(); // a forward, not an ICMP reply
        if (Log.Verbose) Log.Trace("send failed: the transmit path stayed full");
    }

    private bool _stopped;

    public override void Stop()
    {
        if (_path is null || _stopped) return;
        _stopped = true;
        _healthListener?.Dispose();
        // Under the reload lock: a reload still running must not set a filter on a closed ring or put the nft table back.
        lock (ReloadLock)
        {
            _capturing = false;
            _path.Stop();
            _kernelDrop?.Dispose();
        }
        Log.Info($"mux stopped: {_counters.PacketsIn} packets in, {_counters.Forwarded} forwarded, {_counters.TotalDrops} dropped, {_path.KernelDrops()} lost in the kernel before capture");
    }

    protected override string Apply(EngineConfig next)
    {
        if (_stopped) throw new StartupException("the mux is stopping");
        var handler = _handler!;
        var gatewayMac = _gatewayMac;
        if (next.Gateway != Config.Gateway)
        {
            gatewayMac = next.Gateway.Mac ?? HostEnvironment.NeighbourMac(next.Gateway.Address, next.Interface)
                ?? throw new StartupException($"gateway changed to {next.Gateway.Address} and its MAC is unknown; set \"gateway.mac\" or restart the engine");
        }
        var vips = VipAddresses(next);
        if (!vips.SequenceEqual(VipAddresses(Config)))
        {
            // First, as the one step that can refuse: nothing else has changed yet.
            _path!.SetVips(vips);
            _kernelDrop?.Update(KernelIngressDrop.VipRule(vips));
        }
        foreach (var name in _overrides.Reconcile(next))
            Log.Info($"runtime weight of {name} ends: the reloaded config gives it {next.Dips.FirstOrDefault(d => d.Name == name)?.Weight.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no weight (not in the pool)"}");
        _health?.SetDips(next.Dips);
        var state = NewState(next, _ownMac, gatewayMac, handler.State);
        _gatewayMac = gatewayMac;
        Swap(state);
        return $"vips {string.Join(", ", next.Vips.Select(v => v.Address))}; dips {DescribeDips(state)}";
    }

    public override string Drain(string name) => SetDrained(name, true);
    public override string Undrain(string name) => SetDrained(name, false);

    private string SetDrained(string name, bool drained)
    {
        lock (ReloadLock)
        {
            var handler = _handler!;
            if (!Config.Dips.Any(d => d.Name == name))
                return ControlReply.Error($"no DIP named '{name}' (known: {string.Join(", ", Config.Dips.Select(d => d.Name))})");
            if (_overrides.SetDrained(name, drained))
            {
                Swap(NewState(Config, _ownMac, _gatewayMac, handler.State));
                Log.Info($"{(drained ? "drained" : "undrained")} {name}: dips {DescribeDips(handler.State)}");
            }
            return ControlReply.Ok($"{name} is {(drained ? "drained" : "active")}");
        }
    }

    /// <summary>
    /// `weight NAME N`: the DIP's weight on this mux until a reload drops the DIP or gives it N, or `weight NAME` with
    /// the config's weight clears it. The Maglev table is rebuilt as a reload rebuilds it; the connection table stays,
    /// so established flows keep their DIP (the packet path's rules, as for a drain).
    /// </summary>
    public override string Weight(string name, int weight)
    {
        lock (ReloadLock)
        {
            var handler = _handler!;
            if (!Config.Dips.Any(d => d.Name == name))
                return ControlReply.Error($"no DIP named '{name}' (known: {string.Join(", ", Config.Dips.Select(d => d.Name))})");
            if (_overrides.SetWeight(Config, name, weight))
            {
                Swap(NewState(Config, _ownMac, _gatewayMac, handler.State));
                Log.Info($"weight of {name} set to {weight}{(_overrides.Weights.ContainsKey(name) ? " at run time" : " (the config's: runtime weight cleared)")}: dips {DescribeDips(handler.State)}");
            }
            var dip = handler.State.Dips.First(d => d.Name == name);
            return ControlReply.Of(new WeightReply
            {
                Host = Config.Host, Dip = name, Weight = dip.Weight, ConfigWeight = dip.Config.Weight, WeightOverride = dip.WeightOverridden,
                State = dip.Drained ? "drained" : "active",
            });
        }
    }

    public override string Connections(int limit)
    {
        var handler = _handler!;
        return ControlReply.Of(MuxQueries.Connections(Config.Host, handler.State, handler.Connections, limit));
    }

    public override string Lookup(FlowKey flow)
    {
        var handler = _handler!;
        return MuxQueries.Lookup(Config.Host, handler.State, handler.Connections, flow, out var error) is { } reply
            ? ControlReply.Of(reply) : ControlReply.Error(error!);
    }

    private MuxState NewState(EngineConfig config, MacAddress ownMac, MacAddress gatewayMac, MuxState? previous = null, PoolHistory? history = null) =>
        new(config, ownMac, gatewayMac, _overrides.Drained, previous, _health?.DownAddresses(), _overrides.Weights, history: history);

    /// <summary>Health checking changed a DIP's state: rebuild the Maglev table from the DIPs that are up (one line per change).</summary>
    private void OnHealthChanged(IReadOnlyList<HealthChange> changes)
    {
        lock (ReloadLock)
        {
            var handler = _handler!;
            var wasIgnored = handler.State.HealthIgnored;
            Swap(NewState(Config, _ownMac, _gatewayMac, handler.State));
            foreach (var change in changes)
                if (change.Up) Log.Info(change.ToString()); else Log.Warn(change.ToString());
            if (handler.State.HealthIgnored && !wasIgnored)
                Log.Error("every DIP with weight is down: ignoring health checks (fail open) until one is up again");
            else if (wasIgnored && !handler.State.HealthIgnored)
                Log.Info("a DIP is up again: health checks apply again");
            Log.Info($"maglev table rebuilt: dips {DescribeDips(handler.State)}");
        }
    }

    public override string Health()
    {
        if (!_capturing) return ControlReply.Error("not capturing");
        // Unhealthy while the link is down, and until what was learned from it is known again: the watcher withdraws us.
        if (_path!.Link.DownReason is { } down) return ControlReply.Error(down);
        if (Volatile.Read(ref _resolvingGateway) == 1) return ControlReply.Error($"link {Config.Interface} is back; looking up gateway {Config.Gateway.Address} again");
        var state = _handler!.State;
        var dips = _health?.Snapshot().Select(s => new
        {
            name = s.Name,
            address = s.Address.ToString(),
            health = s.Up ? "up" : "down",
            last_report_ms = s.LastReportAge is { } age ? (long?)(long)age.TotalMilliseconds : null,
        }).ToList();
        return ControlReply.Ok("capturing", ("role", "mux"), ("host", Config.Host), ("health_checks", _health is not null),
            ("fail_open", state.HealthIgnored), ("dips", dips));
    }

    public override string Stats() => ControlReply.Of(Snapshot());

    public override EngineStats Snapshot()
    {
        var handler = _handler!;
        var state = handler.State;
        var health = _health?.Snapshot().ToDictionary(h => h.Address.Value);
        var activeFlows = new Dictionary<uint, long>();
        handler.Connections.ForEachLive(value =>
        {
            var address = (uint)value;
            activeFlows[address] = activeFlows.GetValueOrDefault(address) + 1;
        });
        return CommonStats("mux", _counters, state.Vips, activeFlows.Values.Sum()) with
        {
            Dips = state.Dips.Select(d => DipStatsOf(d, activeFlows.GetValueOrDefault(d.Address), health)).ToList(),
            DsrViolations = _counters.DsrViolations,
            IcmpSent = _counters.IcmpSent,
            ChecksumsFinished = _counters.ChecksumsFinished,
            KernelDrops = _path?.KernelDrops(),
            LinkUp = _path is null ? null : !_path.Link.IsDown,
            LinkDownEvents = _path?.Link.DownEvents,
            LinkDownSeconds = _path is null ? null : Math.Round(_path.Link.DownTime.TotalSeconds, 3),
            PacketIoErrors = _path?.Link.Errors,
            ConnectionEvictions = handler.Connections.Evictions,
            HealthReports = _health?.Accepted,
            HealthReportsRejected = _health?.Rejected,
            HealthReportsMalformed = _health?.Malformed,
            SecondChance = state.History is { } history
                ? new SecondChanceStats(Marked: _counters.SecondChanceMarked, PoolVersions: history.Versions.Count, PoolBytes: history.MemoryBytes)
                : null,
        };
    }

    private static DipStats DipStatsOf(DipRuntime d, long activeFlows, Dictionary<uint, DipHealthStatus>? health)
    {
        var status = health?.GetValueOrDefault(d.Address);
        return new DipStats(d.Name, d.Config.Address.ToString(), d.Weight, d.Drained ? "drained" : "active",
            d.Packets, d.Bytes, d.Flows, activeFlows,
            status is null ? null : status.Up ? "up" : "down",
            status?.LastReportAge is { } age ? (long)age.TotalMilliseconds : null,
            d.Config.Weight, d.WeightOverridden);
    }

    private static string DescribeDips(MuxState state) =>
        state.Dips.Count == 0 ? "none" : string.Join(", ", state.Dips.Select(d => $"{d.Name}={d.Config.Address}{(d.Drained ? " (drained)" : $" w{d.Weight}{(d.WeightOverridden ? " (runtime)" : "")}")}{(d.Down ? " (down)" : "")}"));

    public override void Dispose()
    {
        Stop();
        _path?.Dispose();
        base.Dispose();
    }
}
