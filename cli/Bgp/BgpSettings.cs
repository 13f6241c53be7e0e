using System.Collections.Immutable;
using System.Globalization;

namespace Lbdeploy.Bgp;

/// <summary>
/// What lb.yaml's <c>bgp:</c> section decides (frr target only): where the planned ASNs start and the BFD timers of
/// the mux sessions. Every other BGP decision (each ASN, session, policy, router id) is the planner's
/// (<see cref="BgpDesigner"/>). Defaults and bounds are <see cref="BgpDefaults"/> and <see cref="BgpLimits"/>.
/// </summary>
public sealed record BgpSettings(uint AsnBase, BfdTimers Bfd)
{
    public static readonly BgpSettings Default = new(BgpDefaults.AsnBase, BfdTimers.Default);
}

/// <summary>
/// BFD on the mux sessions: a mux (host, link or BGP speaker) that stops answering is declared down after
/// <see cref="Multiplier"/> missed packets sent every <see cref="IntervalMilliseconds"/>, and its VIP route withdrawn.
/// </summary>
public sealed record BfdTimers(int IntervalMilliseconds, int Multiplier)
{
    public static readonly BfdTimers Default = new(BgpDefaults.BfdIntervalMilliseconds, BgpDefaults.BfdMultiplier);

    /// <summary>How long a silent peer goes unnoticed at most.</summary>
    public TimeSpan DetectionTime => TimeSpan.FromMilliseconds((long)IntervalMilliseconds * Multiplier);
}

/// <summary>The defaults of <see cref="BgpSettings"/>, in one place (the spec reader and the docs use these).</summary>
public static class BgpDefaults
{
    /// <summary>The first 4-byte private ASN (RFC 6996): room for one ASN per ToR of any fabric lbdeploy accepts.</summary>
    public const uint AsnBase = 4_200_000_000;

    /// <summary>BFD interval of the mux sessions: with <see cref="BfdMultiplier"/>, a dead mux is detected well under 1 s.</summary>
    public const int BfdIntervalMilliseconds = 100;

    public const int BfdMultiplier = 3;
}

/// <summary>The bounds of every BGP value lbdeploy plans or reads, in one place.</summary>
public static class BgpLimits
{
    /// <summary>The private ASN ranges of RFC 6996; the planned block of ASNs must lie inside one of them.</summary>
    public static readonly ImmutableArray<AsnRange> PrivateRanges = [new(64_512, 65_534), new(4_200_000_000, 4_294_967_294)];

    /// <summary>FRR's bounds of `transmit-interval` / `receive-interval` in a BFD profile (milliseconds).</summary>
    public const int BfdIntervalMinMilliseconds = 10;
    public const int BfdIntervalMaxMilliseconds = 60_000;

    /// <summary>FRR's bounds of `detect-multiplier`.</summary>
    public const int BfdMultiplierMin = 2;
    public const int BfdMultiplierMax = 255;

    /// <summary>
    /// Widest ECMP set the plan may rely on: `maximum-paths` is capped here, a width that common switch ASICs and
    /// FRR builds take (Debian's FRR takes up to 256).
    /// </summary>
    public const int MaxEcmpWidth = 64;

    /// <summary>The private range holding <paramref name="asn"/>, or null.</summary>
    public static AsnRange? PrivateRangeOf(uint asn) => PrivateRanges.FirstOrDefault(r => r.Contains(asn)) is { First: > 0 } range ? range : null;
}

/// <summary>An inclusive range of AS numbers.</summary>
public readonly record struct AsnRange(uint First, uint Last)
{
    public bool Contains(uint asn) => asn >= First && asn <= Last;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{First}-{Last}");
}
