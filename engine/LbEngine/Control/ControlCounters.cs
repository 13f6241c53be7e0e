namespace Lb.Engine.Control;

/// <summary>What became of a control connection; its name is the key of <c>control_requests</c> in the stats.</summary>
public enum ControlResult
{
    /// <summary>A command ran (its reply may still say ok: false, e.g. an unknown DIP).</summary>
    Served,
    /// <summary>A command threw; the client got the error.</summary>
    Failed,
    TooLarge,
    Timeout,
    InvalidUtf8,
    /// <summary>Empty, or holding control characters.</summary>
    Malformed,
    UnknownCommand,
    BadArgument,
    Busy,
}

/// <summary>Control connections by result, since start; updated from any thread.</summary>
public sealed class ControlCounters
{
    private static readonly string[] Names =
        ["served", "failed", "too_large", "timeout", "invalid_utf8", "malformed", "unknown_command", "bad_argument", "busy"];

    private readonly long[] _counts = new long[Names.Length];

    public void Count(ControlResult result) => Interlocked.Increment(ref _counts[(int)result]);

    public long this[ControlResult result] => Interlocked.Read(ref _counts[(int)result]);

    /// <summary>Every result by name, zero or not.</summary>
    public Dictionary<string, long> ByName()
    {
        var counts = new Dictionary<string, long>(Names.Length, StringComparer.Ordinal);
        for (var i = 0; i < Names.Length; i++) counts[Names[i]] = Interlocked.Read(ref _counts[i]);
        return counts;
    }
}
