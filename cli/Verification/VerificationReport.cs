using System.Collections.Immutable;

namespace Lbdeploy.Verification;

/// <summary>The outcome of <see cref="ForwardingVerifier.Verify"/>: one entry per check, in a fixed order.</summary>
public sealed record VerificationReport(ImmutableArray<VerificationCheck> Checks)
{
    public bool Passed => Checks.All(c => c.Passed);

    public IEnumerable<VerificationCheck> Failed => Checks.Where(c => !c.Passed);

    public override string ToString() =>
        string.Join(Environment.NewLine, Checks.Select(c => $"{(c.Passed ? "ok  " : "FAIL")} {c.Name}: {c.Detail}"));
}

/// <summary>
/// One check. <see cref="Failures"/> holds up to <see cref="ForwardingVerifier.MaxFailuresPerCheck"/> examples (the
/// detail gives the total), each with the path that breaks.
/// </summary>
public sealed record VerificationCheck(string Name, bool Passed, string Detail, ImmutableArray<VerificationFailure> Failures);

public enum FailureKind
{
    /// <summary>A switch on the way has no route for the destination.</summary>
    NoRoute,

    /// <summary>Following the routes comes back to a switch already on the path.</summary>
    Loop,

    /// <summary>A route hands the packet to a host that does not own the destination (or is no mux of the VIP).</summary>
    WrongHost,

    /// <summary>The ECMP split toward the muxes is not even.</summary>
    UnevenSplit,

    /// <summary>Sampled flows leave an equal-cost link unused, or load the links of one hop far from evenly.</summary>
    UnevenSpread,

    /// <summary>The scope names a host the fabric does not have.</summary>
    UnknownHost,

    /// <summary>The BGP design converges to other next hops than the plan's, or to ones a tie-break picks.</summary>
    BgpDiffers,
}

/// <summary>A failing path, e.g. <c>h3 -> t2 -> a1 -> c1 -> (no route to 10.19.13.0/24 at c1)</c>.</summary>
public sealed record VerificationFailure(string From, string To, FailureKind Kind, string Path)
{
    public override string ToString() => Path;
}
