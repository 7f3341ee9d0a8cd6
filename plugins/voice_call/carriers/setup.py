"""What a carrier needs to be set up: its credentials, where each is kept, and how to build it.

Each carrier module declares a `CarrierSetup`; the setup flow, the credential tool, `doctor` and
`carrier_for` work from these declarations and never branch on the carrier's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.plugin_api import Host
    from plugins.voice_call.carriers.base import Carrier
    from plugins.voice_call.carriers.wiring.base import NumberWiring
    from plugins.voice_call.config import VoiceCallConfig


@dataclass(frozen=True)
class Credential:
    arg: str  # the credential tool's argument, e.g. "account_sid"
    label: str  # as a person says it, e.g. "Account SID"
    path: str  # config path of the value, or of the vault reference for a secret
    secret: str | None = None  # vault name, for secrets
    validate: Callable[[str], str] | None = None  # secrets only; plain values are checked by the config model


@dataclass(frozen=True)
class CarrierSetup:
    name: str
    title: str
    credentials: tuple[Credential, ...]
    example: str
    build: Callable[[VoiceCallConfig, Host], Carrier]
    #: The number's settings at the carrier (where it sends calls), through its REST API.
    wiring: Callable[[VoiceCallConfig, Host], NumberWiring]

    def prompt(self) -> str:
        labels = [c.label for c in self.credentials] + ["your phone number"]
        secrets = " and ".join(c.label for c in self.credentials if c.secret)
        return (
            f"{self.title} takes the {', '.join(labels[:-1])} and {labels[-1]}, in one message such as "
            f'"{self.example}"; the {secrets} goes straight into the encrypted vault.'
        )


def config_value(config: VoiceCallConfig, path: str) -> str:
    node: Any = config.model_dump(mode="json", by_alias=True)
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, str) else ""


def missing(setup: CarrierSetup, config: VoiceCallConfig, host: Host) -> list[str]:
    """Labels of what is still needed, phone number included."""
    result = []
    for credential in setup.credentials:
        value = config_value(config, credential.path)
        if not value or (credential.secret and not host.vault.has(credential.secret)):
            result.append(credential.label)
    if not config.phone_number:
        result.append("phone number")
    return result


def secret(host: Host, credential: Credential) -> str:
    assert credential.secret
    return host.vault.get(credential.secret) or ""
