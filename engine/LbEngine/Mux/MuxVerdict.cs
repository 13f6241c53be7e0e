namespace Lb.Engine.Mux;

public enum MuxVerdict
{
    /// <summary>Counted under a drop reason; nothing to send.</summary>
    Drop,
    /// <summary>The output buffer holds the encapsulated frame for the DIP.</summary>
    Forward,
    /// <summary>The output buffer holds an ICMP "fragmentation needed" frame for the client.</summary>
    ReplyIcmp,
}
