"""Static files in production: hashed and compressed names from the manifest that
`collectstatic` writes, and the plain name until it has run (docs/security.md)."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """A file missing from the manifest (or every file, before `collectstatic`) gets its
    plain URL, served from the source folders (WHITENOISE_USE_FINDERS): a page never
    fails because a deploy step was forgotten."""

    manifest_strict = False

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:
            return name
