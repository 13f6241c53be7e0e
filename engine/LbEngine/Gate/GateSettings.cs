namespace Lb.Engine.Gate;

/// <summary>
/// How the announcement gate watches its mux (one place for its numbers). It asks the mux's control socket for
/// <c>health</c> every <see cref="Interval"/>; an engine that is not there (no socket, connection refused) or that
/// answers unhealthy is withdrawn at once, one that stays silent <see cref="Fall"/> rounds in a row (each up to
/// <see cref="Timeout"/>: a stall of a second on a starved machine moves no flows); a withdrawn one is announced again
/// after <see cref="Rise"/> healthy answers. The route is written again every <see cref="Reassert"/> in case someone
/// removed it by hand.
/// </summary>
public sealed record GateSettings(TimeSpan Interval, TimeSpan Timeout, int Rise, int Fall, TimeSpan Reassert)
{
    public static readonly GateSettings Default = new(
        Interval: TimeSpan.FromMilliseconds(100),
        Timeout: TimeSpan.FromMilliseconds(500),
        Rise: 2,
        Fall: 3,
        Reassert: TimeSpan.FromSeconds(10));
}
