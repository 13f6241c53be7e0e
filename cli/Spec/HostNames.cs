using System.Globalization;
using Lbdeploy.Topology;

namespace Lbdeploy.Spec;

/// <summary>Short human lists of host names: <c>h1..h16</c>, <c>h1..h4, web1, web2</c>.</summary>
public static class HostNames
{
    public static string Compact(IEnumerable<string> names)
    {
        var sorted = names.Order(NaturalOrder.Instance).ToList();
        var parts = new List<string>();
        var i = 0;
        while (i < sorted.Count)
        {
            var (prefix, number) = Split(sorted[i]);
            var j = i;
            while (number is not null && j + 1 < sorted.Count && Split(sorted[j + 1]) is var (p, n) && p == prefix && n == number + (j + 1 - i))
            {
                j++;
            }
            parts.Add(j - i >= 2 ? $"{sorted[i]}..{sorted[j]}" : sorted[i]);
            if (j - i == 1) parts.Add(sorted[j]);
            i = j + 1;
        }
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }

    private static (string Prefix, int? Number) Split(string name)
    {
        var end = name.Length;
        while (end > 0 && char.IsAsciiDigit(name[end - 1])) end--;
        if (end == name.Length || name.Length - end > 9 || (name[end] == '0' && end < name.Length - 1)) return (name, null);
        return (name[..end], int.Parse(name[end..], CultureInfo.InvariantCulture));
    }
}
