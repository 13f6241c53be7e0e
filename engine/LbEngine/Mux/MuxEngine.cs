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
/// frames and feeds them to a <see cref="MuxPacketHandler"/> per packet thread (one by default; with packet_threads N,
/// N rings in a fanout group, each thread with its own connection table, counters and state, so no lock is taken per
/// packet), sending what it returns on the same interface. Reload, drain and weight rebuild every thread's
/// <see cref="MuxState"/> from the same inputs; the connection tables keep established flows.
/// A link flap is ridden out: the path waits for its link (health says why meanwhile) and, once it is back, the
/// gateway's MAC is looked up again (the kernel forgot its neighbours; the peer may have been replaced).
/// </summary>
public sealed class MuxEngine : EngineBase
{
    private readonly DipOverrides _overrides = new();
    private IFramePath? _path;
    private KernelIngressDrop? _kernelDrop;
    /// <summary>One per packet thread; thread 0's state answers the queries (every thread's is built from the same inputs).</summary>
    private MuxThread[] _threads = [];
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

        if (config.HealthEnabled) _health = new DipHealthTracker(config.Health!, config.Dips, TimeProvider.System);
        var history = LoadHistory(config);
        // The connection capacity is the config's in all: each thread holds its share of the flows.
        var capacity = Math.Max(EngineLimits.Capacity.Min, (config.Connections.Capacity + config.PacketThreads - 1) / config.PacketThreads);
        _threads = [.. Enumerable.Range(0, config.PacketThreads).Select(_ => new MuxThread(this, new MuxPacketHandler(
            NewState(config, _ownMac, _gatewayMac, history: history),
            // The coarse clock: every packet reads it, and idle timeouts are seconds.
            new ConnectionTable((int)capacity, TimeSpan.FromSeconds(config.Connections.IdleTimeoutSeconds), CoarseTimeProvider.Instance),
            new EngineCounters())))];
        var state = _threads[0].Handler.State;

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
        _path.Start(_threads, reason =>
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
        if (config.PacketThreads == 1)
        {
            var ring = PacketRing.Open(config.Interface, new PacketRingOptions { Mtu = frameMtu }, CaptureFilters.Vips(vips));
            return new RingFramePath(ring, ring, filter: CaptureFilters.Vips, Log);
        }
        // Fanout groups are per network namespace: the pid tells this process's group from another mux's here.
        var group = (ushort)(Environment.ProcessId & 0xFFFF);
        var defaults = new PacketRingOptions { Mtu = frameMtu };
        // The receive buffering is the single ring's in all, shared out: each ring sees its share of the flows.
        var options = defaults with { FanoutGroup = group, ReceiveBytes = Math.Max(4 << 20, defaults.ReceiveBytes / config.PacketThreads) };
        var paths = new List<RingFramePath>();
        try
        {
            for (var i = 0; i < config.PacketThreads; i++)
            {
                var ring = PacketRing.Open(config.Interface, options, CaptureFilters.Vips(vips));
                paths.Add(new RingFramePath(ring, ring, filter: CaptureFilters.Vips, Log));
            }
        }
        catch
        {
            foreach (var path in paths) path.Dispose();
            throw;
        }
        return new FanoutFramePath(paths, group);
    }

    /// <summary>What the XDP program steers to the mux: frames to a VIP, and from one (counted as DSR violations), as the ring's filter.</summary>
    private static IReadOnlyDictionary<uint, XdpMatch> XdpTargetsFor(IReadOnlyList<uint> vips) =>
        vips.Distinct().ToDictionary(vip => vip, _ => XdpMatch.Destination | XdpMatch.Source);

    private static uint[] VipAddresses(EngineConfig config) => config.Vips.Select(v => v.Address.Value).ToArray();

    /// <summary>The pcap filter equivalent to what either path captures (the ring runs the same test as classic BPF).</summary>
    public static string CaptureFilter(EngineConfig config) => PcapFramePath.Filter(VipAddresses(config));

    /// <summary>What one packet thread feeds its frames to: its own handler, connection table and counters.</summary>
    private sealed class MuxThread(MuxEngine engine, MuxPacketHandler handler) : IFrameProcessor
    {
        public MuxPacketHandler Handler { get; } = handler;

        /// <summary>One captured frame in, the frame to send (if any) written to <paramref name="output"/>.</summary>
        public int Process(ReadOnlySpan<byte> frame, Span<byte> output)
        {
            var verdict = Handler.Handle(frame, output, out var length);
            if (engine.Log.Verbose) engine.Log.Trace(MuxPacketTrace.Describe(frame, verdict, Handler.LastDrop, Handler.LastDip?.Name));
            if (verdict == MuxVerdict.Drop) return 0;
            Handler.Counters.PacketsOut++;
            Handler.Counters.BytesOut += length;
            return length;
        }

        /// <summary>
        /// No hint yet: loading the connection table's and Maglev's lines ahead would cost a flow hash per frame, and
        /// whether that pays on the mux is not measured.
        /// </summary>
        public void Prefetch(ReadOnlySpan<byte> frame)
        {
        }

        public void OnSendFailed()
        {
            var counters = Handler.Counters;
            counters.PacketsOut--;
            if (Handler.LastDip is not null) counters.SendFailed(); // a forward, not an ICMP reply
            if (engine.Log.Verbose) engine.Log.Trace("send failed: the transmit path stayed full");
        }
    }

    /// <summary>Thread 0's handler: its state is the one queries and logs read.</summary>
    private MuxPacketHandler Primary => _threads[0].Handler;

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
            Swap(previous => NewState(Config, _ownMac, _gatewayMac, previous));
        }
    }

    /// <summary>
    /// Swaps a new state into every packet thread (under the reload lock), each built by <paramref name="next"/> from
    /// that thread's state (its counters carry over); a changed pool history is saved off the packet threads.
    /// </summary>
    private void Swap(Func<MuxState, MuxState> next)
    {
        var before = Primary.State.History;
        foreach (var thread in _threads) thread.Handler.State = next(thread.Handler.State);
        if (Primary.State.History is { } history && !ReferenceEquals(history, before)) SaveHistory(history);
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
            var history = PoolHistoryFile.Read(path, config.Hash.TableSize, config.Hash.Seed, secondChance.Retention, CoarseTimeProvider.Instance, out var why);
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
        var counters = EngineCounters.Sum(_threads.Select(t => t.Handler.Counters));
        Log.Info($"mux stopped: {counters.PacketsIn} packets in, {counters.Forwarded} forwarded, {counters.TotalDrops} dropped, {_path.KernelDrops()} lost in the kernel before capture");
    }

    protected override string Apply(EngineConfig next)
    {
        if (_stopped) throw new StartupException("the mux is stopping");
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
        Swap(previous => NewState(next, _ownMac, gatewayMac, previous));
        _gatewayMac = gatewayMac;
        return $"vips {string.Join(", ", next.Vips.Select(v => v.Address))}; dips {DescribeDips(Primary.State)}";
    }

    public override string Drain(string name) => SetDrained(name, true);
    public override string Undrain(string name) => SetDrained(name, false);

    private string SetDrained(string name, bool drained)
    {
        lock (ReloadLock)
        {
            if (!Config.Dips.Any(d => d.Name == name))
                return ControlReply.Error($"no DIP named '{name}' (known: {string.Join(", ", Config.Dips.Select(d => d.Name))})");
            if (_overrides.SetDrained(name, drained))
            {
                Swap(previous => NewState(Config, _ownMac, _gatewayMac, previous));
                Log.Info($"{(drained ? "drained" : "undrained")} {name}: dips {DescribeDips(Primary.State)}");
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
            if (!Config.Dips.Any(d => d.Name == name))
                return ControlReply.Error($"no DIP named '{name}' (known: {string.Join(", ", Config.Dips.Select(d => d.Name))})");
            if (_overrides.SetWeight(Config, name, weight))
            {
                Swap(previous => NewState(Config, _ownMac, _gatewayMac, previous));
                Log.Info($"weight of {name} set to {weight}{(_overrides.Weights.ContainsKey(name) ? " at run time" : " (the config's: runtime weight cleared)")}: dips {DescribeDips(Primary.State)}");
            }
            var dip = Primary.State.Dips.First(d => d.Name == name);
            return ControlReply.Of(new WeightReply
            {
                Host = Config.Host, Dip = name, Weight = dip.Weight, ConfigWeight = dip.Config.Weight, WeightOverride = dip.WeightOverridden,
                State = dip.Drained ? "drained" : "active",
            });
        }
    }

    public override string Connections(int limit) =>
        ControlReply.Of(MuxQueries.Connections(Config.Host, Primary.State, Tables(), limit));

    public override string Lookup(FlowKey flow) =>
        MuxQueries.Lookup(Config.Host, Primary.State, Tables(), flow, out var error) is { } reply
            ? ControlReply.Of(reply) : ControlReply.Error(error!);

    /// <summary>Every packet thread's connection table (a flow lives in one of them: the kernel's fanout keeps it there).</summary>
    private ConnectionTable[] Tables() => [.. _threads.Select(t => t.Handler.Connections)];

    private MuxState NewState(EngineConfig config, MacAddress ownMac, MacAddress gatewayMac, MuxState? previous = null, PoolHistory? history = null) =>
        new(config, ownMac, gatewayMac, _overrides.Drained, previous, _health?.DownAddresses(), _overrides.Weights, history: history);

    /// <summary>Health checking changed a DIP's state: rebuild the Maglev table from the DIPs that are up (one line per change).</summary>
    private void OnHealthChanged(IReadOnlyList<HealthChange> changes)
    {
        lock (ReloadLock)
        {
            var wasIgnored = Primary.State.HealthIgnored;
            Swap(previous => NewState(Config, _ownMac, _gatewayMac, previous));
            foreach (var change in changes)
                if (change.Up) Log.Info(change.ToString()); else Log.Warn(change.ToString());
            if (Primary.State.HealthIgnored && !wasIgnored)
                Log.Error("every DIP with weight is down: ignoring health checks (fail open) until one is up again");
            else if (wasIgnored && !Primary.State.HealthIgnored)
                Log.Info("a DIP is up again: health checks apply again");
            Log.Info($"maglev table rebuilt: dips {DescribeDips(Primary.State)}");
        }
    }

    public override string Health()
    {
        if (!_capturing) return ControlReply.Error("not capturing");
        // Unhealthy while the link is down, and until what was learned from it is known again: the watcher (or the frr
        // target's gate on this host) withdraws us.
        if (_path!.Link.DownReason is { } down) return ControlReply.Error(down);
        if (Volatile.Read(ref _resolvingGateway) == 1) return ControlReply.Error($"link {Config.Interface} is back; looking up gateway {Config.Gateway.Address} again");
        var state = Primary.State;
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
        var threads = _threads;
        // Under the reload lock: a swap goes thread by thread, and the sums below index every thread's DIPs and VIPs
        // alike, which holds only for states built from the same config.
        MuxState[] states;
        lock (ReloadLock) states = [.. threads.Select(t => t.Handler.State)];
        var state = states[0];
        var counters = EngineCounters.Sum(threads.Select(t => t.Handler.Counters));
        var health = _health?.Snapshot().ToDictionary(h => h.Address.Value);
        var activeFlows = new Dictionary<uint, long>();
        long evictions = 0;
        foreach (var thread in threads)
        {
            thread.Handler.Connections.ForEachLive(value =>
            {
                var address = (uint)value;
                activeFlows[address] = activeFlows.GetValueOrDefault(address) + 1;
            });
            evictions += thread.Handler.Connections.Evictions;
        }
        // Each thread counts its own share of every VIP and DIP (same order in every state: built from one config).
        var vips = state.Vips.All.Select((v, i) => new VipStats(new Ipv4Address(v.Address).ToString(),
            states.Sum(s => s.Vips.All[i].Packets), states.Sum(s => s.Vips.All[i].Bytes), states.Sum(s => s.Vips.All[i].Flows))).ToList();
        return CommonStats("mux", counters, vips, activeFlows.Values.Sum()) with
        {
            Dips = state.Dips.Select((d, i) => DipStatsOf(d, states.Sum(s => s.Dips[i].Packets), states.Sum(s => s.Dips[i].Bytes), states.Sum(s => s.Dips[i].Flows),
                activeFlows.GetValueOrDefault(d.Address), health)).ToList(),
            PacketThreads = threads.Length,
            ThreadPackets = threads.Length > 1 ? [.. threads.Select(t => Volatile.Read(ref t.Handler.Counters.PacketsIn))] : null,
            DsrViolations = counters.DsrViolations,
            IcmpSent = counters.IcmpSent,
            ChecksumsFinished = counters.ChecksumsFinished,
            KernelDrops = _path?.KernelDrops(),
            LinkUp = _path is null ? null : !_path.Link.IsDown,
            LinkDownEvents = _path?.Link.DownEvents,
            LinkDownSeconds = _path is null ? null : Math.Round(_path.Link.DownTime.TotalSeconds, 3),
            PacketIoErrors = _path?.Link.Errors,
            ConnectionEvictions = evictions,
            HealthReports = _health?.Accepted,
            HealthReportsRejected = _health?.Rejected,
            HealthReportsMalformed = _health?.Malformed,
            SecondChance = state.History is { } history
                ? new SecondChanceStats(Marked: counters.SecondChanceMarked, PoolVersions: history.Versions.Count, PoolBytes: history.MemoryBytes)
                : null,
        };
    }

    private static DipStats DipStatsOf(DipRuntime d, long packets, long bytes, long flows, long activeFlows, Dictionary<uint, DipHealthStatus>? health)
    {
        var status = health?.GetValueOrDefault(d.Address);
        return new DipStats(d.Name, d.Config.Address.ToString(), d.Weight, d.Drained ? "drained" : "active",
            packets, bytes, flows, activeFlows,
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
