namespace Lbdeploy.Bgp;

/// <summary>
/// A fabric or setting the BGP design cannot serve, one line with the fix. <see cref="Item"/> is the spec item it is
/// about (<c>bgp.asn_base</c>), or null when it is the choice of the frr target for this fabric.
/// </summary>
public sealed class BgpDesignException(string message, string? item = null) : Exception(message)
{
    public string? Item { get; } = item;
}
