using Lb.Core.Addressing;
using Lb.Core.Config;
using Lb.Core.Health;

namespace Lb.Engine.Health;

/// <summary>A DIP going up or down, with why (for the log line).</summary>
public sealed record HealthChange(string Name, Ipv4Address Address, bool Up, string Reason)
{
    public override string ToString() => $"DIP {Name} ({Address}) is {(Up ? "up" : "down")}: {Reason}";
}

/// <summary>One DIP's health as the mux sees it; <see cref="LastReportAge"/> null: no report since the mux started.</summary>
public sealed record DipHealthStatus(string Name, Ipv4Address Address, bool Up, TimeSpan? LastReportAge);

/// <summary>What happened to one received datagram.</summary>
public enum HealthReportVerdict
{
    Accepted,
    /// <summary>Not a version-1 report.</summary>
    Malformed,
    /// <summary>From an address that is not a configured DIP, or naming a DIP other than its sender.</summary>
    Rejected,
}

/// <summary>
/// The mux side of health checking, pure and clock-injected (no I/O): the agent already smooths its probes with
/// rise/fall, so a DIP goes down at the first report saying "unhealthy", or when no report arrived for
/// <see cref="HealthConfig.DeadAfter"/>; it comes back after <see cref="HealthConfig.Rise"/> consecutive healthy
/// reports (one lucky datagram after an outage is not enough). Every DIP starts up: a fresh deployment serves at
/// once, and a DIP whose agent never reports is down <see cref="HealthConfig.DeadAfter"/> after the start.
/// Thread-safe: the listener thread writes, the control thread reads.
/// </summary>
public sealed class DipHealthTracker
{
    private sealed class Entry(string name, Ipv4Address address, long since)
    {
        public string Name = name;
        public readonly Ipv4Address Address = address;
        public bool Up = true;
        public int HealthyStreak;
        /// <summary>Timestamp of the last accepted report, or of when tracking began (silence is measured from it).</summary>
        public long Reference = since;
        public bool Reported;
    }

    private readonly Lock _lock = new();
    private readonly HealthConfig _config;
    private readonly TimeProvider _time;
    private Dictionary<uint, Entry> _entries = new();

    public DipHealthTracker(HealthConfig config, IEnumerable<DipConfig> dips, TimeProvider time)
    {
        _config = config;
        _time = time;
        SetDips(dips);
    }

    public HealthConfig Config => _config;
    public long Accepted { get; private set; }
    public long Rejected { get; private set; }
    public long Malformed { get; private set; }

    /// <summary>Follows a reload: DIPs that stay keep their state; new ones start up, their silence counted from now.</summary>
    public void SetDips(IEnumerable<DipConfig> dips)
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            var next = new Dictionary<uint, Entry>();
            foreach (var dip in dips)
            {
                var entry = _entries.GetValueOrDefault(dip.Address.Value) ?? new Entry(dip.Name, dip.Address, now);
                entry.Name = dip.Name;
                next[dip.Address.Value] = entry;
            }
            _entries = next;
        }
    }

    /// <summary>Handles one datagram from <paramref name="source"/>; a state change is appended to <paramref name="changes"/>.</summary>
    public HealthReportVerdict Receive(Ipv4Address source, ReadOnlySpan<byte> datagram, List<HealthChange> changes)
    {
        lock (_lock)
        {
            if (!HealthReport.TryRead(datagram, out var report))
            {
                Malformed++;
                return HealthReportVerdict.Malformed;
            }
            // Only a DIP may speak, and only about itself: a stray or spoofed sender cannot take another DIP down.
            if (!_entries.TryGetValue(source.Value, out var entry) || report.Dip != source)
            {
                Rejected++;
                return HealthReportVerdict.Rejected;
            }
            Accepted++;
            entry.Reference = _time.GetTimestamp();
            entry.Reported = true;
            if (report.Healthy)
            {
                entry.HealthyStreak = Math.Min(entry.HealthyStreak + 1, _config.Rise);
                if (!entry.Up && entry.HealthyStreak >= _config.Rise)
                {
                    entry.Up = true;
                    changes.Add(new HealthChange(entry.Name, entry.Address, true, $"{_config.Rise} healthy report(s) in a row"));
                }
            }
            else
            {
                entry.HealthyStreak = 0;
                if (entry.Up)
                {
                    entry.Up = false;
                    changes.Add(new HealthChange(entry.Name, entry.Address, false, "its agent reports the server unhealthy"));
                }
            }
            return HealthReportVerdict.Accepted;
        }
    }

    /// <summary>
    /// The mux could not hear for a while (its own link was down): silence counts again from now for every DIP, whose
    /// state is kept (a DIP that reported unhealthy stays down until it rises).
    /// </summary>
    public void RestartSilence()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            foreach (var entry in _entries.Values) entry.Reference = now;
        }
    }

    /// <summary>Marks down every up DIP silent for longer than dead_after; call it a few times per interval.</summary>
    public void CheckSilence(List<HealthChange> changes)
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            foreach (var entry in _entries.Values)
            {
                if (!entry.Up) continue;
                var silence = _time.GetElapsedTime(entry.Reference, now);
                if (silence <= _config.DeadAfter) continue;
                entry.Up = false;
                entry.HealthyStreak = 0;
                changes.Add(new HealthChange(entry.Name, entry.Address, false,
                    $"no report for {silence.TotalMilliseconds:0} ms (dead_after_ms {_config.DeadAfterMs}{(entry.Reported ? "" : "; none since the mux started")})"));
            }
        }
    }

    public bool IsUp(Ipv4Address dip)
    {
        lock (_lock) return !_entries.TryGetValue(dip.Value, out var entry) || entry.Up;
    }

    /// <summary>Addresses (host order) of the DIPs that are down now.</summary>
    public HashSet<uint> DownAddresses()
    {
        lock (_lock) return _entries.Values.Where(e => !e.Up).Select(e => e.Address.Value).ToHashSet();
    }

    public IReadOnlyList<DipHealthStatus> Snapshot()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            return _entries.Values
                .Select(e => new DipHealthStatus(e.Name, e.Address, e.Up, e.Reported ? _time.GetElapsedTime(e.Reference, now) : null))
                .ToList();
        }
    }

    public DipHealthStatus? Status(Ipv4Address dip) => Snapshot().FirstOrDefault(s => s.Address == dip);
}
