from django.urls import reverse


def test_dashboard_needs_sign_in(client, db):
    response = client.get(reverse("reviews:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_signed_in_user_sees_dashboard(architect, client_for):
    response = client_for(architect).get(reverse("reviews:dashboard"))
    assert response.status_code == 200
    assert architect.username in response.content.decode()
