namespace Lb.Engine.PacketIo;

/// <summary>What a <see cref="PacketRing"/> feeds: one received frame in, at most one frame to send out.</summary>
public interface IFrameProcessor
{
    /// <summary>
    /// Handles <paramref name="frame"/> (valid only during the call) and writes the frame to send, if any, into
    /// <paramref name="output"/>; returns its length, or 0 to send nothing.
    /// </summary>
    int Process(ReadOnlySpan<byte> frame, Span<byte> output);

    /// <summary>
    /// The frame the loop will hand to <see cref="Process"/> after the one it is about to: start loading the memory
    /// its handling will read, so that wait overlaps the work on the frame before it. A hint: it changes nothing,
    /// counts nothing and must not throw, whatever the frame holds.
    /// </summary>
    void Prefetch(ReadOnlySpan<byte> frame);

    /// <summary>The frame <see cref="Process"/> produced could not be queued (the transmit ring stayed full).</summary>
    void OnSendFailed();
}
