namespace Lb.Core.Maglev;

public static class Primes
{
    public static bool IsPrime(long value)
    {
        if (value < 2) return false;
        if (value % 2 == 0) return value == 2;
        for (long divisor = 3; divisor * divisor <= value; divisor += 2)
            if (value % divisor == 0) return false;
        return true;
    }

    /// <summary>The smallest prime >= <paramref name="value"/>.</summary>
    public static long NextPrime(long value)
    {
        var candidate = Math.Max(2, value);
        while (!IsPrime(candidate)) candidate++;
        return candidate;
    }
}
