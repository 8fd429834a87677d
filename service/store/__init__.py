"""The store: deliveries, history and notes, on SQLite or PostgreSQL (SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import Engine, text

from service.store.database import make_engine, migrate
from service.store.deliveries import Delivery, DeliveryBusy, DeliveryQueue, NewDelivery
from service.store.sql import reading


class Store:
    """One database: its engine and the delivery queue. Other modules take `store.engine`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.deliveries = DeliveryQueue(engine)

    @classmethod
    def open(cls, url: str, *, migrate_schema: bool = True) -> Store:
        engine = make_engine(url)
        if migrate_schema:
            migrate(engine)
        return cls(engine)

    def ping(self) -> None:
        """Raise when the database cannot be reached."""
        with reading(self.engine) as conn:
            conn.execute(text("SELECT 1"))

    def close(self) -> None:
        self.deliveries.close()
        self.engine.dispose()


__all__ = ["Delivery", "DeliveryBusy", "DeliveryQueue", "NewDelivery", "Store"]
