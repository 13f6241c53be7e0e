namespace Lb.Core.Packets;

/// <summary>
/// Why a mux or agent did not forward a packet. Every received packet ends up either forwarded or counted under
/// exactly one of these; the stats document names them in snake_case (see <see cref="DropReasons.Name"/>).
/// </summary>
public enum DropReason
{
    None = 0,
    // Frame / IPv4 validation (Ipv4Validator).
    Truncated,
    NotIpv4,
    BadIpVersion,
    BadIpHeaderLength,
    BadIpTotalLength,
    BadIpChecksum,
    // Transport checks.
    BadTransportHeader,
    // Mux policy.
    NotVip,
    DsrViolation,
    UnservedProtocol,
    UnservedPort,
    UnservedIcmp,
    NoBackend,
    FragmentationNeeded,
    TooBigNoDf,
    SendFailed,
    // Agent policy.
    NotIpInIp,
    NotForThisHost,
    UnknownMux,
    InnerNotVip,
    // Second chance (agent).
    BadSecondChanceOption,
}

public static class DropReasons
{
    private static readonly string[] Names = BuildNames();

    /// <summary>All reasons except <see cref="DropReason.None"/>, in declaration order.</summary>
    public static IReadOnlyList<DropReason> All { get; } = Enum.GetValues<DropReason>().Where(r => r != DropReason.None).ToArray();

    public static int Count { get; } = Enum.GetValues<DropReason>().Length;

    /// <summary>The snake_case name used in stats JSON, e.g. <c>dsr_violation</c>.</summary>
    public static string Name(DropReason reason) => Names[(int)reason];

    private static string[] BuildNames()
    {
        var values = Enum.GetValues<DropReason>();
        var names = new string[values.Length];
        foreach (var value in values)
        {
            var text = value.ToString();
            var builder = new System.Text.StringBuilder();
            for (var i = 0; i < text.Length; i++)
            {
                if (char.IsUpper(text[i]) && i > 0 && !(char.IsUpper(text[i - 1]) && (i + 1 == text.Length || char.IsUpper(text[i + 1]))))
                    builder.Append('_');
                builder.Append(char.ToLowerInvariant(text[i]));
            }
            names[(int)value] = builder.ToString();
        }
        return names;
    }
}
