"""The upload loader: partner files into ``upload.platform_viewership`` through templates (DOMAIN §7.3)."""
