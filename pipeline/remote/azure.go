package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
)

// azureBackend reads az://container/key objects of the storage account
// named by AZURE_STORAGE_ACCOUNT (or the connection string) with the
// azblob SDK. Credentials, first found wins: AZURE_STORAGE_CONNECTION_STRING;
// AZURE_STORAGE_KEY (shared key); AZURE_STORAGE_SAS_TOKEN; otherwise
// azidentity's DefaultAzureCredential (environment service principal,
// workload identity, managed identity, Azure CLI). Reads are pinned to the
// listed ETag; the SDK's own retries are off.
type azureBackend struct{ client *azblob.Client }

func newAzure(opts Options) (backend, error) {
	co := &azblob.ClientOptions{ClientOptions: azcore.ClientOptions{Retry: policy.RetryOptions{MaxRetries: -1}}}
	if cs := os.Getenv("AZURE_STORAGE_CONNECTION_STRING"); cs != "" && opts.AzureEndpoint == "" {
		c, err := azblob.NewClientFromConnectionString(cs, co)
		if err != nil {
			return nil, errors.New("Azure: AZURE_STORAGE_CONNECTION_STRING does not parse")
		}
		return &azureBackend{client: c}, nil
	}
	account := os.Getenv("AZURE_STORAGE_ACCOUNT")
	service := opts.AzureEndpoint
	if service == "" {
		if account == "" {
			return nil, errors.New("Azure: set AZURE_STORAGE_ACCOUNT (or AZURE_STORAGE_CONNECTION_STRING) to name the storage account of az:// URLs")
		}
		service = "https://{account}.blob.core.windows.net/"
	}
	service = strings.ReplaceAll(service, "{account}", account)
	if !strings.HasSuffix(service, "/") {
		service += "/"
	}
	var c *azblob.Client
	var err error
	switch key, sas := os.Getenv("AZURE_STORAGE_KEY"), os.Getenv("AZURE_STORAGE_SAS_TOKEN"); {
	case opts.Anonymous:
		c, err = azblob.NewClientWithNoCredential(service, co)
	case key != "" && account != "":
		var cred *azblob.SharedKeyCredential
		if cred, err = azblob.NewSharedKeyCredential(account, key); err == nil {
			c, err = azblob.NewClientWithSharedKeyCredential(service, cred, co)
		}
	case sas != "":
		c, err = azblob.NewClientWithNoCredential(service+"?"+strings.TrimPrefix(sas, "?"), co)
	default:
		var cred azcore.TokenCredential
		if cred, err = azidentity.NewDefaultAzureCredential(nil); err == nil {
			c, err = azblob.NewClient(service, cred, co)
		}
	}
	if err != nil {
		// The SDK's messages may quote the key or SAS; say only what failed.
		return nil, errors.New("Azure: cannot make a blob client from the configured credentials")
	}
	return &azureBackend{client: c}, nil
}

func (a *azureBackend) blob(l Location) *blob.Client {
	return a.client.ServiceClient().NewContainerClient(l.Bucket).NewBlobClient(l.Key)
}

func (a *azureBackend) stat(ctx context.Context, l Location) (*Object, error) {
	p, err := a.blob(l).GetProperties(ctx, nil)
	if err != nil {
		return nil, azErr(l.String(), err)
	}
	return azObject(l, l.Key, p.ContentLength, p.LastModified, p.ETag), nil
}

// azObject is the object at l (key within its container) with the
// properties Azure reported, any of which may be missing.
func azObject(l Location, key string, size *int64, modified *time.Time, etag *azcore.ETag) *Object {
	o := &Object{URL: l.String(), Key: key, loc: l}
	if size != nil {
		o.Size = *size
	}
	if modified != nil {
		o.ModTime = modified.UTC()
	}
	if etag != nil {
		o.etag = string(*etag)
		o.Version = strings.Trim(o.etag, `"`)
	}
	return o
}

func (a *azureBackend) list(ctx context.Context, l Location, prefix string) ([]*Object, error) {
	var out []*Object
	pager := a.client.ServiceClient().NewContainerClient(l.Bucket).NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: &prefix})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, azErr(l.child(prefix).String(), err)
		}
		for _, it := range page.Segment.BlobItems {
			if it.Name == nil {
				continue
			}
			var o *Object
			if p := it.Properties; p != nil {
				o = azObject(l.child(*it.Name), *it.Name, p.ContentLength, p.LastModified, p.ETag)
			} else {
				o = azObject(l.child(*it.Name), *it.Name, nil, nil, nil)
			}
			out = append(out, o)
		}
	}
	return out, nil
}

func (a *azureBackend) get(ctx context.Context, o *Object, off, n int64) (io.ReadCloser, int64, error) {
	opts := &blob.DownloadStreamOptions{Range: blob.HTTPRange{Offset: off, Count: n}}
	if o.etag != "" {
		et := azcore.ETag(o.etag)
		opts.AccessConditions = &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfMatch: &et}}
	}
	resp, err := a.blob(o.loc).DownloadStream(ctx, opts)
	if err != nil {
		return nil, 0, azErr(o.URL, err)
	}
	// No Content-Range: the body is the whole object, of the listed size
	// (checkRange, as for the other stores).
	start, err := checkRange(o, off, n, resp.ContentRange == nil, valueOr(resp.ContentRange, ""), valueOr(resp.ContentLength, -1))
	if err != nil {
		resp.Body.Close()
		return nil, 0, err
	}
	return resp.Body, start, nil
}

func azErr(url string, err error) error {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		if re.StatusCode == 412 {
			return fmt.Errorf("%s: %w (ETag changed)", url, ErrChanged)
		}
		return &StatusError{URL: url, Status: re.StatusCode, Msg: re.ErrorCode}
	}
	return &netError{url: url, err: err}
}
