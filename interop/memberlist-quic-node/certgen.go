package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io/ioutil"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Certificates made as the Go reference's tlsutil makes them, so the tests
// can check that shoal accepts them: ECDSA P-256 keys as SEC1 "EC PRIVATE
// KEY" PEM, 128-bit random serials, validity from one minute ago. The CA's
// subject is only an organisation (no CN); a node's subject is CN=node, with
// key usage digitalSignature+keyEncipherment, server and client EKU, CA:FALSE
// and IP SANs but no DNS SAN.

func newSerial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
}

func writePEM(path, kind string, der []byte, mode os.FileMode) error {
	return ioutil.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), mode)
}

func writeKeyPair(dir, base string, certDER []byte, key *ecdsa.PrivateKey) error {
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := writePEM(filepath.Join(dir, base+".pem"), "CERTIFICATE", certDER, 0o644); err != nil {
		return err
	}
	return writePEM(filepath.Join(dir, base+"-key.pem"), "EC PRIVATE KEY", keyDER, 0o600)
}

// generateCA writes DIR/ca.pem and DIR/ca-key.pem.
func generateCA(dir, org string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := newSerial()
	if err != nil {
		return err
	}
	template := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{org}},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return err
	}
	return writeKeyPair(dir, "ca", der, key)
}

// generateNodeCert writes DIR/NAME.pem and DIR/NAME-key.pem, signed by DIR/ca.pem.
func generateNodeCert(dir, name string, ips []net.IP) error {
	caCertPEM, err := ioutil.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		return err
	}
	caKeyPEM, err := ioutil.ReadFile(filepath.Join(dir, "ca-key.pem"))
	if err != nil {
		return err
	}
	certBlock, _ := pem.Decode(caCertPEM)
	keyBlock, _ := pem.Decode(caKeyPEM)
	if certBlock == nil || keyBlock == nil {
		return fmt.Errorf("%s: no PEM CA certificate and key", dir)
	}
	caCert, err := x509.ParseCertificate(certBlock.Bytes)
	if err != nil {
		return err
	}
	caKey, err := x509.ParseECPrivateKey(keyBlock.Bytes)
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := newSerial()
	if err != nil {
		return err
	}
	template := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, caCert, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	return writeKeyPair(dir, name, der, key)
}
