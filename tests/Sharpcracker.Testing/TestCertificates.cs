using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Sharpcracker.Testing;

/// <summary>
/// Certificates made by the real openssl command in a temporary directory (ECDSA P-256, valid two
/// days): a CA, a server certificate for localhost and 127.0.0.1, a second one for rotation, one
/// for the wrong name, a client certificate from the CA and one from an unrelated CA.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("sc-tls");

    public TestCertificates()
    {
        MakeBackdatedCa("ca");
        MakeCa("other-ca");
        Issue("server", "ca", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1");
        Issue("server2", "ca", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1");
        Issue("wrong", "ca", "wrong.example", "subjectAltName=DNS:wrong.example");
        Issue("client", "ca", "client", "extendedKeyUsage=clientAuth");
        Issue("stranger", "other-ca", "stranger", "extendedKeyUsage=clientAuth");
        IssueExpired("expired", "ca");
    }

    /// <summary>
    /// A client certificate from the CA that expired yesterday. openssl 3.0's x509 command cannot
    /// back-date, so this one is signed with .NET's CertificateRequest (same CA key, same PEM files).
    /// </summary>
    private void IssueExpired(string name, string ca)
    {
        using var caKey = System.Security.Cryptography.ECDsa.Create();
        caKey.ImportFromPem(File.ReadAllText(Key(ca)));
        var caCert = new X509Certificate2Collection();
        caCert.ImportFromPemFile(Cert(ca));
        using var issuer = caCert[0].CopyWithPrivateKey(caKey);
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2")], false));
        var now = DateTimeOffset.UtcNow;
        using var cert = request.Create(issuer, now.AddDays(-10), now.AddDays(-1), [1, 2, 3, 4, 5, 6, 7, 8]);
        File.WriteAllText(Cert(name), cert.ExportCertificatePem());
        File.WriteAllText(Key(name), key.ExportPkcs8PrivateKeyPem());
    }

    public string Dir => _dir.FullName;

    /// <summary>Path of NAME.crt / NAME.key in the directory.</summary>
    public string Cert(string name) => Path.Combine(Dir, name + ".crt");

    public string Key(string name) => Path.Combine(Dir, name + ".key");

    public string CaFile => Cert("ca");

    /// <summary>
    /// The main CA, valid from 30 days ago so that an already expired certificate can be issued
    /// under it. openssl 3.0 cannot back-date (req -x509 and x509 -req only take -days), so this
    /// one is made with .NET's CertificateRequest; every other certificate comes from openssl.
    /// </summary>
    private void MakeBackdatedCa(string name)
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var cert = request.CreateSelfSigned(now.AddDays(-30), now.AddDays(2));
        File.WriteAllText(Cert(name), cert.ExportCertificatePem());
        File.WriteAllText(Key(name), key.ExportPkcs8PrivateKeyPem());
    }

    private void MakeCa(string name)
        => OpenSsl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", Key(name), "-out", Cert(name), "-days", "2", "-subj", $"/CN={name}");

    private void Issue(string name, string ca, string commonName, string extension)
    {
        var csr = Path.Combine(Dir, name + ".csr");
        var ext = Path.Combine(Dir, name + ".ext");
        File.WriteAllText(ext, extension + "\n");
        OpenSsl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", Key(name), "-out", csr, "-subj", $"/CN={commonName}");
        OpenSsl("x509", "-req", "-in", csr, "-CA", Cert(ca), "-CAkey", Key(ca), "-CAcreateserial",
            "-out", Cert(name), "-days", "2", "-extfile", ext);
        // memcached run as nobody must read the key too.
        File.SetUnixFileMode(Key(name), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    private static void OpenSsl(params string[] args)
    {
        var info = new ProcessStartInfo(InstalledProgram.Find("openssl")) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        using var p = Process.Start(info)!;
        var err = p.StandardError.ReadToEndAsync();
        _ = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(30000) || p.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', args)} failed: {err.Result}");
        }
    }

    /// <summary>A TLS client connection to 127.0.0.1:<paramref name="port"/> trusting only this CA; optional client certificate NAME.</summary>
    public async Task<SslStream> ConnectAsync(int port, string? clientCertificate = null, string host = "localhost")
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync("127.0.0.1", port);
        return await AuthenticateAsync(new NetworkStream(socket, ownsSocket: true), clientCertificate, host);
    }

    public async Task<SslStream> AuthenticateAsync(Stream transport, string? clientCertificate = null, string host = "localhost")
    {
        var ssl = new SslStream(transport, leaveInnerStreamOpen: false);
        var ca = new X509Certificate2Collection();
        ca.ImportFromPemFile(CaFile);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = host,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck },
        };
        options.CertificateChainPolicy.CustomTrustStore.AddRange(ca);
        if (clientCertificate is not null)
        {
            options.ClientCertificates = [X509Certificate2.CreateFromPemFile(Cert(clientCertificate), Key(clientCertificate))];
        }
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await ssl.AuthenticateAsClientAsync(options, cts.Token);
        return ssl;
    }

    /// <summary>Sends <paramref name="request"/> and reads until the reply ends with <paramref name="end"/> (bounded).</summary>
    public static async Task<string> CallAsync(Stream stream, string request, string end)
    {
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request));
        await stream.FlushAsync();
        return await ReadUntilAsync(stream, end);
    }

    public static async Task<string> ReadUntilAsync(Stream stream, string end)
    {
        var sb = new StringBuilder();
        var buffer = new byte[65536];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!EndsWith(sb, end))
        {
            var n = await stream.ReadAsync(buffer, cts.Token);
            if (n == 0)
            {
                throw new IOException($"closed after: {sb}");
            }
            sb.Append(Encoding.Latin1.GetString(buffer, 0, n));
        }
        return sb.ToString();
    }

    private static bool EndsWith(StringBuilder sb, string end)
    {
        if (sb.Length < end.Length)
        {
            return false;
        }
        for (var i = 0; i < end.Length; i++)
        {
            if (sb[sb.Length - end.Length + i] != end[i])
            {
                return false;
            }
        }
        return true;
    }

    public void Dispose()
    {
        try
        {
            _dir.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
