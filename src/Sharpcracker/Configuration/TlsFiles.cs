using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sharpcracker.Configuration;

/// <summary>
/// PEM loading shared by both sides. Certificates are loaded once per config load (start, <c>-t</c>,
/// reload); connections share the loaded objects read-only and build their own options.
/// </summary>
internal static class TlsFiles
{
    /// <summary>Leaf certificate with its private key, and the rest of the chain from the same file.</summary>
    public static (X509Certificate2 Leaf, X509Certificate2Collection Chain) LoadIdentity(string certKey, string certFile, string keyKey, string keyFile)
    {
        var certPem = Read(certKey, certFile);
        var keyPem = Read(keyKey, keyFile);
        var all = new X509Certificate2Collection();
        try
        {
            all.ImportFromPem(certPem);
        }
        catch (CryptographicException e)
        {
            throw new TlsFileException(certKey, $"'{certFile}' is not a PEM certificate: {e.Message}");
        }
        if (all.Count == 0)
        {
            throw new TlsFileException(certKey, $"'{certFile}' holds no PEM certificate");
        }
        X509Certificate2 leaf;
        try
        {
            leaf = X509Certificate2.CreateFromPem(certPem, keyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new TlsFileException(keyKey, $"'{keyFile}' is not a usable PEM private key for '{certFile}': {e.Message}");
        }
        var chain = new X509Certificate2Collection();
        for (var i = 1; i < all.Count; i++)
        {
            chain.Add(all[i]);
        }
        return (leaf, chain);
    }

    public static X509Certificate2Collection LoadCa(string key, string file)
    {
        var pem = Read(key, file);
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new TlsFileException(key, $"'{file}' is not a PEM certificate bundle: {e.Message}");
        }
        return roots.Count == 0 ? throw new TlsFileException(key, $"'{file}' holds no PEM certificate") : roots;
    }

    private static string Read(string key, string file)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TlsFileException(key, $"cannot read '{file}': {e.Message}");
        }
    }

    /// <summary>A chain policy trusting only <paramref name="roots"/> (or the system when null); no revocation fetches (they would block a worker).</summary>
    public static X509ChainPolicy ChainPolicy(X509Certificate2Collection? roots)
    {
        var policy = new X509ChainPolicy { RevocationMode = X509RevocationMode.NoCheck };
        if (roots is not null)
        {
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.AddRange(roots);
        }
        return policy;
    }
}
