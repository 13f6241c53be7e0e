namespace Lb.Engine.PacketIo;

/// <summary>What a <see cref="PacketRing"/> feeds: one received frame in, at most one frame to send out.</summary>
public interface IFrameProcessor
{
    /// <summary>
    /// Handles <paramref name="frame"/> (valid only during the call) and writes the frame to send, if any, into
    /// <paramref name="output"/>; returns its length, or 0 to send nothing.
    /// </summary>
    int Process(ReadOnlySpan<byte> frame, Span<byte> output);

    /// <summary>The frame <see cref="Process"/> produced could not be queued (the transmit ring stayed full).</summary>
    void OnSendFailed();
}
