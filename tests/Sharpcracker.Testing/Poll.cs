namespace Sharpcracker.Testing;

/// <summary>Waiting for a state another process exposes only through its replies: poll it, with a deadline.</summary>
public static class Poll
{
    /// <summary>Retries <paramref name="attempt"/> until it returns a result; throws <see cref="TimeoutException"/> after <paramref name="within"/>.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> attempt, TimeSpan within, string what)
        where T : class
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            if (await attempt() is { } result)
            {
                return result;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(what);
            }
            await Task.Delay(50); // polling a state the proxy exposes only through replies
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds (true) or the (generous) deadline passes (false).</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            if (await condition())
            {
                return true;
            }
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(50); // polling state owned by another process; there is no event to await
        }
    }

    public static Task<bool> EventuallyAsync(Func<bool> condition, int seconds = 30) => EventuallyAsync(() => Task.FromResult(condition()), seconds);
}
