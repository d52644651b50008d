"""Where the data lives and the key that protects people's ID numbers.

``ANXIN_DATABASE_URL`` names the database (default: an SQLite file ``anxin.db`` in the data folder,
``ANXIN_DATA_DIR`` or ``./anxin-data``). ``ANXIN_SECRET_KEY`` (32 bytes, base64) or
``ANXIN_KEY_FILE`` gives the key. Only for the embedded SQLite default outside production is a key
created on first use (in the data folder, readable by its owner only); anywhere else a missing key
stops the program with a clear message, never a silent default.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from anxin.domain.errors import AnxinError
from anxin.domain.money import parse_yuan


class MissingKey(AnxinError):
    code = "missing_key"


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    production: bool
    key_source: str
    #: The key's text when it came from the environment (never shown in a repr).
    key_text: str = field(default="", repr=False)
    #: A payout line above this many fen needs a second person's approval (``ANXIN_FOUR_EYES_ABOVE``,
    #: in yuan, default 20,000 元).
    four_eyes_above_fen: int = 2_000_000

    @property
    def embedded(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("ANXIN_DATA_DIR", "anxin-data"))
    url = env.get("ANXIN_DATABASE_URL") or f"sqlite:///{data_dir / 'anxin.db'}"
    production = env.get("ANXIN_ENV", "").lower() == "production"
    if env.get("ANXIN_SECRET_KEY"):
        source = "env"
    elif env.get("ANXIN_KEY_FILE"):
        source = env["ANXIN_KEY_FILE"]
    else:
        source = ""
    four_eyes = env.get("ANXIN_FOUR_EYES_ABOVE", "20000 元")
    try:
        four_eyes_fen = parse_yuan(four_eyes)
    except (AnxinError, ValueError) as exc:
        raise AnxinError(
            f"ANXIN_FOUR_EYES_ABOVE 须为金额（元）：{four_eyes!r}",
            f"ANXIN_FOUR_EYES_ABOVE must be an amount in yuan: {four_eyes!r}",
        ) from exc
    return Settings(
        four_eyes_above_fen=four_eyes_fen,
        database_url=url,
        data_dir=data_dir,
        production=production,
        key_source=source,
        key_text=env.get("ANXIN_SECRET_KEY", ""),
    )


def secret_key(settings: Settings) -> bytes:
    """The master key, or :class:`MissingKey` explaining how to provide one."""
    if settings.key_source == "env":
        return _decode(settings.key_text, "ANXIN_SECRET_KEY")
    if settings.key_source:
        return _decode(Path(settings.key_source).read_text().strip(), settings.key_source)
    if settings.embedded and not settings.production:
        path = settings.data_dir / "secret.key"
        if not path.exists():
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(new_key())
        return _decode(path.read_text().strip(), str(path))
    raise MissingKey(
        "未配置加密密钥：请设置 ANXIN_SECRET_KEY（32 字节 base64，可用 `anxin db new-key` 生成）或 ANXIN_KEY_FILE",
        "no encryption key: set ANXIN_SECRET_KEY (32 bytes, base64; `anxin db new-key` makes one) "
        "or ANXIN_KEY_FILE",
    )


def new_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _decode(text: str, where: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.encode())
    except ValueError:
        key = b""
    if len(key) != 32:
        raise MissingKey(
            f"{where} 中的密钥无效：应为 32 字节的 base64 文本",
            f"the key in {where} is not 32 bytes of base64",
        )
    return key
