using System.Buffers;

namespace Lbdeploy.Rendering;

/// <summary>
/// The one rule for a value in a generated FRR config, which has no quoting: a single word of letters, digits and
/// <c>. : / - _</c> (names, addresses, prefixes, numbers). No space (it would start another argument), no <c>!</c> or
/// <c>#</c> (a comment), no control character (a new command line).
/// </summary>
public static class FrrWords
{
    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.:/-_");

    public static bool IsWord(string value) => value.Length > 0 && !value.AsSpan().ContainsAnyExcept(Allowed);
}
